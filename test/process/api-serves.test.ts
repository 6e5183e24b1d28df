import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeConfigYaml, startBridgeRun } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();

// Issue #9 item 1: the real CLI never called listen(), so nothing answered on api.listen.
test('run serves /healthz, /readyz and /metrics over HTTP until SIGTERM, then exits 0 and stops serving', async (t) => {
  const config = writeConfig(harness(), 'api-serves.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url }));
  const bridge = await startBridgeRun(config);
  t.after(() => bridge.dispose());

  const healthz = await fetch(`${bridge.apiUrl}/healthz`);
  assert.equal(healthz.status, 200, await healthz.text());

  // Readiness needs Redis and NATS connected; the NATS link comes up in the background, so allow it a moment.
  let readiness: { status: number; body: { ready?: boolean; checks?: Array<{ name: string; ok: boolean }> } } | undefined;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
    const response = await fetch(`${bridge.apiUrl}/readyz`);
    readiness = { status: response.status, body: (await response.json()) as NonNullable<typeof readiness>['body'] };
    if (readiness.status === 200) break;
  }
  assert.equal(readiness?.status, 200, JSON.stringify(readiness?.body));
  assert.equal(readiness?.body.ready, true);
  const checks = new Map(readiness?.body.checks?.map((check) => [check.name, check.ok]));
  assert.deepEqual([checks.get('redis'), checks.get('nats')], [true, true], 'readiness checked the real Redis and NATS');

  const metrics = await fetch(`${bridge.apiUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(await metrics.text(), /^# TYPE dcm_bridge_\w+ /m, 'Prometheus text with the bridge metrics');

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  await assert.rejects(fetch(`${bridge.apiUrl}/healthz`), 'nothing listens after the exit');
  assert.ok(bridge.logLines().some((line) => line['msg'] === 'bridge stopped'), 'a clean stop, not a kill');
});
