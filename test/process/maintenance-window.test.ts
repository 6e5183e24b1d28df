// Issue #16, Operating: an endpoint in an open maintenance window, as users meet it through the built CLI. Its
// health is `maintenance`, not red, in /health and the status API (with the window's end); the gauge alert rules
// exclude it by is 1; with pausePolling its platform gets no request at all. Beside it an endpoint without a window
// on a refused port is red as usual, so the window is what makes the difference, not the bridge being lenient.
// A second run shows deletions held: a server Nova marks deleted during an open window is counted as held and is
// never published DELETED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';
import { freePort } from '../support/servers.js';

const harness = useHarness();

interface EndpointHealth {
  readonly id: string;
  readonly health: string;
  readonly reason: string;
}

test('run: an endpoint in an open pausePolling window is in maintenance (status API, /health, gauge) and unpolled; one without a window on a dead port is red; once polls it anyway', async (t) => {
  // Counts every request it gets (GET /_sim/stats); the bridge must send it none while the window pauses polling.
  const platform = await startSimulatorProcess('openstack', ['--servers', '3', '--tagged', '3']);
  t.after(() => platform.dispose());
  const deadPlatform = `http://127.0.0.1:${await freePort()}`;
  // A window starting every minute that lasts 2 h: open from before the bridge starts to well after the test.
  const windowYaml = `    maintenanceWindows:
      - { cron: "* * * * *", duration: 2h, pausePolling: true }
`;
  const windowedEndpoint = openstackEndpointYaml('nova-maint', platform.url, DEFAULT_CREDENTIALS) + windowYaml;
  const endpoints = windowedEndpoint + openstackEndpointYaml('nova-dead', deadPlatform, DEFAULT_CREDENTIALS);
  const config = writeConfig(harness(), 'maintenance-window.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints }));
  // Health events go out on core NATS: subscribed before the bridge starts.
  const subscriber = await connect({ servers: harness().nats.url });
  t.after(() => subscriber.close());
  const healthEvents: Array<{ endpoint: string; status: string }> = [];
  subscriber.subscribe('dcm.bridge.health', { callback: (_error, message) => void healthEvents.push((message.json() as { data: { endpoint: string; status: string } }).data) });
  await subscriber.flush();
  const startedAt = Date.now();
  const bridge = await startBridgeRun(config, { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password } });
  t.after(() => bridge.dispose());
  // Both endpoints are due at start (no jitter): once the dead one's first poll failed, a paused one would have polled too.
  await bridge.waitForLine('stderr', /"endpoint":"nova-dead".*"msg":"poll failed: /);

  const status = (await (await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/nova-maint/status`)).json()) as { health: string; reason: string; maintenance?: { active: boolean; window_end_time?: string; pause_polling: boolean; held_deletions: number } };
  assert.equal(status.health, 'maintenance', JSON.stringify(status));
  assert.equal(status.maintenance?.active, true, JSON.stringify(status));
  assert.equal(status.maintenance?.pause_polling, true);
  assert.equal(status.maintenance?.held_deletions, 0);
  const windowEnd = Date.parse(status.maintenance?.window_end_time ?? '');
  // The latest start was at most a minute before the bridge started, and the window lasts 2 h from it.
  assert.ok(windowEnd > startedAt + 2 * 3600_000 - 61_000 && windowEnd <= Date.now() + 2 * 3600_000, `window_end_time ${String(status.maintenance?.window_end_time)} is 2 h after the latest minute`);
  const deadStatus = (await (await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/nova-dead/status`)).json()) as Record<string, unknown>;
  assert.equal(deadStatus['maintenance'], undefined, 'no maintenance block for an endpoint without windows');

  const health = (await (await fetch(`${bridge.apiUrl}/health`)).json()) as { endpoints: EndpointHealth[] };
  const byId = new Map(health.endpoints.map((endpoint) => [endpoint.id, endpoint]));
  assert.equal(byId.get('nova-maint')?.health, 'maintenance', JSON.stringify(health));
  assert.match(byId.get('nova-maint')?.reason ?? '', /in a maintenance window until .*not polled yet/);
  assert.equal(byId.get('nova-dead')?.health, 'unhealthy', JSON.stringify(health));
  assert.match(byId.get('nova-dead')?.reason ?? '', /refused|ECONNREFUSED/i);

  const metrics = await (await fetch(`${bridge.apiUrl}/metrics`)).text();
  assert.match(metrics, /^dcm_bridge_endpoint_in_maintenance\{endpoint="nova-maint"\} 1$/m);
  assert.match(metrics, /^dcm_bridge_endpoint_health\{endpoint="nova-maint",state="maintenance"\} 1$/m);
  assert.doesNotMatch(metrics, /^dcm_bridge_endpoint_in_maintenance\{endpoint="nova-dead"\} 1$/m);
  assert.match(metrics, /^dcm_bridge_maintenance_held_deletions\{endpoint="nova-maint"\} 0$/m);
  // The next start of "* * * * *" is the next whole minute.
  const nextStart = Number(/^dcm_bridge_maintenance_next_start_timestamp_seconds\{endpoint="nova-maint"\} (\S+)$/m.exec(metrics)?.[1]) * 1000;
  assert.ok(nextStart % 60_000 === 0 && nextStart > startedAt && nextStart <= Date.now() + 60_000, `next start ${new Date(nextStart).toISOString()}`);

  // Starting inside the window counts as the window opening: announced at once, not after a poll the window defers.
  await subscriber.flush();
  assert.deepEqual(healthEvents.filter((event) => event.endpoint === 'nova-maint').map((event) => event.status), ['maintenance'], JSON.stringify(healthEvents));

  const stats = (await (await fetch(`${platform.url}/_sim/stats`)).json()) as { total: number; byRoute: Record<string, number> };
  assert.deepEqual(Object.keys(stats.byRoute).filter((route) => /servers/.test(route)), [], `no listing request: ${JSON.stringify(stats.byRoute)}`);
  assert.equal(stats.total, 0, `no request at all (not even a token) while polling is paused: ${JSON.stringify(stats.byRoute)}`);

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr().slice(-3000));

  // `once` is an explicit run: it polls the paused endpoint anyway (README "Maintenance windows").
  const onceConfig = writeConfig(harness(), 'maintenance-window-once.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: windowedEndpoint }));
  const once = await runBridgeCommand(['once', '--config', onceConfig], { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password } });
  assert.equal(once.code, 0, once.stderr.slice(-3000));
  const afterOnce = (await (await fetch(`${platform.url}/_sim/stats`)).json()) as { byRoute: Record<string, number> };
  assert.ok(Object.entries(afterOnce.byRoute).some(([route, count]) => /servers/.test(route) && count > 0), `once listed the servers: ${JSON.stringify(afterOnce.byRoute)}`);
  assert.deepEqual((await harness().dcm.messages()).map((message) => message.event.data.status), ['RUNNING', 'RUNNING', 'RUNNING'], 'its three managed servers published');
});

test('run: a server deleted while its endpoint is in an open window is held (status API, gauge), never published DELETED', async (t) => {
  const platform = await startSimulatorProcess('openstack', ['--servers', '3', '--tagged', '3']);
  t.after(() => platform.dispose());
  // Open the whole test, polling on: the window holds deletions only.
  const endpoint = `${openstackEndpointYaml('nova-upgrade', platform.url, DEFAULT_CREDENTIALS)}    maintenanceWindows:
      - { cron: "* * * * *", duration: 2h }
`;
  const config = writeConfig(harness(), 'maintenance-held.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: endpoint }));
  const env = { OS_PASSWORD: DEFAULT_CREDENTIALS.password };
  const once = await runBridgeCommand(['once', '--config', config], { env });
  assert.equal(once.code, 0, once.stderr.slice(-3000));
  const eventsOfEndpoint = async () => (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'nova-upgrade');
  const published = await eventsOfEndpoint();
  assert.equal(published.length, 3, 'the three managed servers published');
  const vanished = String(published[0]?.event['dcmplatformid']);
  // Nova marks it deleted: gone from the list, a deleted record in changes-since (a cell migration looks the same).
  assert.equal((await fetch(`${platform.url}/_sim/servers/${vanished}`, { method: 'DELETE' })).status, 204);

  const bridge = await startBridgeRun(config, { env });
  t.after(() => bridge.dispose());
  // The first poll of `run` waits out the floor after once's poll, then finds the server gone.
  await bridge.waitForLine('stderr', /"endpoint":"nova-upgrade".*"msg":"\d+ missing instance\(s\) not asked about: a maintenance window is open/, 30_000);
  await bridge.waitForLine('stderr', /"endpoint":"nova-upgrade".*"msg":"poll (published \d+ change|found no changes)/, 15_000);

  const status = (await (await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/nova-upgrade/status`)).json()) as { health: string; maintenance?: { active: boolean; held_deletions: number } };
  assert.equal(status.maintenance?.active, true, JSON.stringify(status));
  assert.equal(status.maintenance?.held_deletions, 1, JSON.stringify(status));
  assert.equal(status.health, 'maintenance', JSON.stringify(status));
  const metrics = await (await fetch(`${bridge.apiUrl}/metrics`)).text();
  assert.match(metrics, /^dcm_bridge_maintenance_held_deletions\{endpoint="nova-upgrade"\} 1$/m);
  const statuses = (await eventsOfEndpoint()).map((message) => `${String(message.event['dcmplatformid'])} ${String(message.event.data.status)}`);
  assert.ok(!statuses.some((line) => line.endsWith(' DELETED')), `no DELETED while the window holds it: ${statuses.join(', ')}`);

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr().slice(-3000));
});
