// #16: label values without spaces. Dashboards and alert rules match label values in PromQL; a value with a space
// (a platform's raw state, the cache's operation names "read index", "write poll start") breaks them. A real
// in-process bridge is exercised (a poll that succeeds with an unknown raw state, one that fails), then every
// label value of its registry is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { createBridge } from '../../../src/bridge/index.js';
import { createSystemClock } from '../../../src/clock/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { labelValue } from '../../../src/metrics/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

/** Every `name{labels} value` sample of a Prometheus text exposition, its labels parsed. */
function samples(exposition: string): Array<{ name: string; labels: Record<string, string> }> {
  const parsed: Array<{ name: string; labels: Record<string, string> }> = [];
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
    parsed.push({ name: match[1] ?? '', labels });
  }
  return parsed;
}

test('labelValue turns each run of whitespace into one underscore and trims the ends', () => {
  assert.equal(labelValue('write poll start'), 'write_poll_start');
  assert.equal(labelValue(' shutting \t down\n'), 'shutting_down');
  assert.equal(labelValue('POWERED_ON'), 'POWERED_ON');
});

test('after real polls (an unknown raw state with spaces, a failing endpoint) no label value of the bridge contains whitespace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'label-values-'));
  writeFileSync(join(dir, 'odd.json'), JSON.stringify({ instances: [{ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'shutting  down' }, { platformId: 'vm-2', instanceId: 'inst-2', rawState: 'on' }] }));
  writeFileSync(join(dir, 'down.json'), JSON.stringify({ instances: [], failAfterPages: 0, failure: { message: 'the platform answered 503 Service Unavailable' } }));
  const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 1 })]);
  const yaml = `cache: { url: "" }
publisher: { kind: stdout }
endpoints:
  - { name: odd, platform: file, file: ${join(dir, 'odd.json')}, intervalSeconds: 7 }
  - { name: down, platform: file, file: ${join(dir, 'down.json')}, intervalSeconds: 1 }
`;
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const bridge = await createBridge(config, { adapters, clock: createSystemClock(), logger: pino({ level: 'silent' }), stdout: new PassThrough() });
  try {
    await bridge.runOnce();
    const scraped = samples(await bridge.metrics.registry.metrics());
    const withSpaces = scraped.flatMap(({ name, labels }) => Object.entries(labels).filter(([, value]) => /\s/.test(value)).map(([label, value]) => `${name}{${label}="${value}"}`));
    assert.deepEqual(withSpaces, [], 'label values with whitespace');

    // The values the audit changed, and the new series, are there: the check above saw them.
    const find = (name: string, labels: Record<string, string>): boolean => scraped.some((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
    assert.ok(find('dcm_bridge_unknown_raw_states_total', { endpoint: 'odd', platform: 'file', raw_state: 'shutting_down' }), 'the raw state, its spaces joined');
    assert.ok(find('dcm_bridge_cache_operation_seconds_count', { operation: 'write_poll_start' }), 'the cache operation "write poll start"');
    assert.ok(find('dcm_bridge_poll_failures_total', { endpoint: 'down', code: 'PLATFORM_HTTP' }), 'the failed poll, by its error code');
    assert.ok(find('dcm_bridge_endpoint_interval_seconds', { endpoint: 'odd', platform: 'file' }), 'the interval, labelled with the platform');
    assert.ok(find('dcm_bridge_last_success_timestamp_seconds', { endpoint: 'odd' }));
  } finally {
    await bridge.stop();
  }
});
