import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeCliScript, spawnNodeScript } from '../support/cli-process.js';
import { secretConfigCases } from '../support/secret-leak-cases.js';

// Issue #10: `validate-config` printed `cache.url: … value was "redis://:s3cret@…"` and
// `credentials.password: must be a string, not number 84736251`. Every case runs the built CLI
// as an operator does; its output must name each key path and quote no secret.
test('validate-config exits 2 naming every key path, and no secret reaches its output', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Two at a time: the machine is shared, and each process loads the whole bridge.
  const queue = secretConfigCases.map((bad, index) => ({ bad, index }));
  const runOne = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { bad, index } = next;
      const file = join(dir, `case-${index}.yaml`);
      writeFileSync(file, bad.yaml);
      const child = spawnNodeScript(bridgeCliScript, ['validate-config', '--config', file], { env: { ...bad.env } });
      const exit = await child.exited;
      const output = child.stdout() + child.stderr();
      assert.equal(exit.code, 2, `${bad.name}: exit 2\n${output}`);
      for (const secret of bad.secrets) assert.ok(!output.includes(secret), `${bad.name}: ${secret} is not printed:\n${output}`);
      for (const path of bad.paths) assert.ok(child.stderr().includes(`${path}: `), `${bad.name}: ${path} is named:\n${output}`);
    }
  };
  await Promise.all([runOne(), runOne()]);
});
