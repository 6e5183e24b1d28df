// Through an in-process bridge (memory cache, stdout publisher, the file platform, fake clock): an
// endpoint that fails during its window is `maintenance`, never unhealthy or unavailable, and says
// so in its status and gauges; when the window closes the ordinary judgement returns at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createBridge } from '../../../src/bridge/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { endpointStatusResource } from '../../../src/api/endpoints/status-view.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createFileAdapter } from '../../support/file-adapter.js';
import { instances } from '../../support/harness.js';

const minute = 60_000;

test('failures in the window leave health at maintenance; after it the endpoint is unavailable again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'maint-health-'));
  try {
    const file = join(dir, 'lab.json');
    writeFileSync(file, JSON.stringify({ instances: instances(2) }));
    const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 0 })]);
    const yaml = `cache: { url: "" }\npublisher: { kind: stdout }\nscheduler: { jitterRatio: 0, backoffMaxSeconds: 60 }\nendpoints:\n  - { name: lab, platform: file, file: ${file}, intervalSeconds: 60, credentials: { token: t }, maintenanceWindows: [{ cron: "0 2 * * *", duration: "30m" }] }\n`;
    const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
    // Polls fall on :30 s, so the window's end (02:30:00) is judged by its own timer, not by a poll.
    const clock = createFakeClock(Date.parse('2027-01-02T01:50:30Z'));
    const bridge = await createBridge(config, { adapters, clock, logger: pino({ level: 'silent' }), stdout: new Writable({ write: (_chunk, _encoding, done) => done() }) });
    const gauge = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
      const metric = bridge.metrics.registry.getSingleMetric(name) as unknown as { get(): Promise<{ values: Array<{ labels: Record<string, string>; value: number }> }> };
      return (await metric.get()).values.find((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label))?.value;
    };
    await bridge.start();
    await clock.advance(5 * minute);
    assert.equal(endpointStatusResource('lab', bridge.status('lab')).health, 'healthy');
    assert.equal(await gauge('dcm_bridge_endpoint_in_maintenance', { endpoint: 'lab' }), 0);

    writeFileSync(file, JSON.stringify({ instances: instances(2), failAfterPages: 0, failure: { message: 'vCenter is being upgraded' } }));
    await clock.advance(10 * minute); // 02:05:30: the window opened at 02:00, the platform fails
    const inWindow = endpointStatusResource('lab', bridge.status('lab'));
    assert.equal(inWindow.health, 'maintenance');
    assert.match(String(inWindow.reason), /maintenance window until 2027-01-02T02:30:00.000Z; .*vCenter is being upgraded/);
    assert.deepEqual(inWindow.maintenance, { active: true, window_end_time: '2027-01-02T02:30:00.000Z', next_start_time: '2027-01-03T02:00:00.000Z', pause_polling: false, held_deletions: 0 });
    await clock.advance(20 * minute); // 02:25:30: several failed polls in a row
    assert.ok((bridge.status('lab')?.consecutiveFailures ?? 0) >= 3, `failures keep being counted: ${bridge.status('lab')?.consecutiveFailures}`);
    assert.equal(endpointStatusResource('lab', bridge.status('lab')).health, 'maintenance', 'not unavailable, however many failures');
    assert.equal(await gauge('dcm_bridge_endpoint_health', { endpoint: 'lab', state: 'unavailable' }), 0);
    assert.equal(await gauge('dcm_bridge_endpoint_health', { endpoint: 'lab', state: 'maintenance' }), 1);
    assert.equal(await gauge('dcm_bridge_endpoint_in_maintenance', { endpoint: 'lab' }), 1);

    await clock.advance(4.5 * minute); // 02:30:00: closed; the last poll was at 02:29:30
    assert.equal(bridge.status('lab')?.lastPoll?.finishedAt, Date.parse('2027-01-02T02:29:30Z'), 'no poll since the one inside the window');
    assert.equal(endpointStatusResource('lab', bridge.status('lab')).health, 'unavailable');
    assert.equal(await gauge('dcm_bridge_endpoint_health', { endpoint: 'lab', state: 'unavailable' }), 1, 'the gauge follows the window closing, not the next poll');
    assert.equal(await gauge('dcm_bridge_endpoint_in_maintenance', { endpoint: 'lab' }), 0);
    await bridge.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
