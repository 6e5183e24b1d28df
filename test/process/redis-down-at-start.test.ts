import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeConfigYaml, runBridgeCommand } from '../support/cli-process.js';
import { freePort } from '../support/servers.js';

// Issue #9 item 5: a bridge whose Redis is unreachable must say so and stop, not hang or run without its state.
test('run and once with Redis unreachable at start exit 1 within a bound, naming the cache URL', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cacheUrl = `redis://127.0.0.1:${await freePort()}`;
  const config = join(dir, 'redis-down.yaml');
  writeFileSync(config, bridgeConfigYaml({ cacheUrl }));

  for (const command of ['run', 'once']) {
    const result = await runBridgeCommand([command, '--config', config], { timeoutMs: 30_000 });
    assert.deepEqual([result.code, result.signal], [1, null], `${command}:\n${result.stderr}`);
    // The cache's connect timeout is 5 s; start-up and the exit add about one more.
    assert.ok(result.elapsedMs < 10_000, `${command} took ${Math.round(result.elapsedMs)} ms`);
    assert.match(result.stderr, /^dcm-poll-bridge: cannot start: .*redis/im, `${command}:\n${result.stderr}`);
    assert.ok(result.stderr.includes(`cache.url ${cacheUrl}`), `${command} names the Redis it could not reach:\n${result.stderr}`);
    assert.ok(!result.stderr.includes('HTTP API listening'), `${command} never served without its cache`);
  }
});
