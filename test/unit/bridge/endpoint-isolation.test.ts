import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import type { PlatformAdapter } from '../../../src/adapter/index.js';
import { createBridge } from '../../../src/bridge/index.js';
import { createSystemClock } from '../../../src/clock/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

test('an endpoint whose adapter refuses it fails alone; the others are polled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'isolation-'));
  writeFileSync(join(dir, 'good.json'), JSON.stringify({ instances: [{ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on' }] }));
  const fileAdapter = createFileAdapter({ minimumIntervalSeconds: 1 });
  const refusing: PlatformAdapter = {
    ...fileAdapter,
    platform: 'refusing',
    connect() {
      throw new Error('cannot open a session for this endpoint');
    },
  };
  const adapters = createAdapterRegistry([fileAdapter, refusing]);
  const yaml = `cache: { url: "" }
publisher: { kind: stdout }
endpoints:
  - { name: good, platform: file, file: ${join(dir, 'good.json')}, intervalSeconds: 1 }
  - { name: bad, platform: refusing, file: ${join(dir, 'good.json')}, intervalSeconds: 1 }
`;
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const stdout = new PassThrough();
  const printed: string[] = [];
  stdout.on('data', (chunk: Buffer) => printed.push(...chunk.toString().trim().split('\n')));
  const bridge = await createBridge(config, { adapters, clock: createSystemClock(), logger: pino({ level: 'silent' }), stdout });
  try {
    const result = await bridge.runOnce();
    assert.equal(result.ok, false, 'once reports the failure');
    assert.match(bridge.status('bad')?.lastError?.message ?? '', /cannot open a session/);
    assert.ok(bridge.status('good')?.lastSuccessAt, 'the healthy endpoint was polled');
    assert.equal(printed.length, 1);
    assert.equal((JSON.parse(printed[0] ?? '{}') as { data: { id: string } }).data.id, 'inst-1');
  } finally {
    await bridge.stop();
  }
});
