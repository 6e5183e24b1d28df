import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import type { PlatformAdapter } from '../../../src/adapter/index.js';
import { endpointStatusResource } from '../../../src/api/index.js';
import { createBridge } from '../../../src/bridge/index.js';
import { createSystemClock } from '../../../src/clock/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

test('the status resource reports the platform requests and throttles of the last poll, counted by the bridge', async () => {
  const file = createFileAdapter({ minimumIntervalSeconds: 1 });
  let polls = 0;
  const chatty: PlatformAdapter = {
    ...file,
    platform: 'chatty',
    connect(_endpoint, context) {
      return {
        // Each poll makes one more request than the last, and is throttled once.
        async *list() {
          polls++;
          for (let request = 0; request < polls; request++) context.onRequest?.({ status: 200, throttled: false });
          context.onRequest?.({ status: 429, throttled: true });
          yield [{ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on' }];
        },
        confirmAbsence: async (platformIds) => new Map(platformIds.map((platformId) => [platformId, { verdict: 'gone', evidence: 'test' }] as const)),
        close: async () => undefined,
      };
    },
  };
  const adapters = createAdapterRegistry([file, chatty]);
  const yaml = 'cache: { url: "" }\npublisher: { kind: stdout }\nendpoints:\n  - { name: talk, platform: chatty, file: unused, intervalSeconds: 1 }\n';
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const bridge = await createBridge(config, { adapters, clock: createSystemClock(), logger: pino({ level: 'silent' }), stdout: new PassThrough() });
  try {
    assert.equal(endpointStatusResource('talk', bridge.status('talk'))['health'], 'unhealthy', 'not polled yet');
    await bridge.runOnce();
    await bridge.runOnce();
    const status = endpointStatusResource('talk', bridge.status('talk'));
    assert.equal(status['health'], 'healthy');
    assert.deepEqual({ ...(status['last_poll'] as object), finish_time: 'x' }, { finish_time: 'x', kind: 'full', requests: 3, throttles: 1, rate_limit_wait_seconds: 0 }, 'the second poll alone');
    assert.equal((status['instance_counts'] as Record<string, number>)['RUNNING'], 1);
    const metrics = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_platform_requests_total');
    assert.match(metrics, /endpoint="talk",code="200"} 3/, 'the metric counts every poll');
  } finally {
    await bridge.stop();
  }
});
