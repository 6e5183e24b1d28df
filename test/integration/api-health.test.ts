import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, startApi } from './api-support.js';

const harness = useHarness();

/** `name{labels} value` of one series in Prometheus text. */
function sample(metrics: string, name: string, labels: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('health, readiness, metrics and health events follow a failing endpoint, and its recovery', async () => {
  harness().setPlatform('steady', { instances: instances(1, 'on', 700) });
  harness().setPlatform('flaky', { instances: instances(2, 'on', 800) });
  // Backoff capped at the interval, so three failures come one interval apart.
  const config = apiConfig(harness(), { endpoints: ['steady', 'flaky'], env: { DCM_BRIDGE_SCHEDULER_BACKOFF_MAX_SECONDS: '1' } });
  const listener = await connect({ servers: harness().nats.url });
  const healthEvents: Array<Record<string, unknown> & { data: Record<string, unknown> }> = [];
  const subscription = listener.subscribe('dcm.bridge.health', {
    callback: (_error, message) => {
      healthEvents.push(message.json());
    },
  });
  await listener.flush();

  const api = await startApi(harness(), config);
  const status = async () => (await api.call('GET', '/api/v1alpha1/endpoints/flaky/status')).json();
  const metrics = async () => (await api.call('GET', '/metrics')).text;

  await eventually('flaky healthy', async () => (await status())['health'] === 'healthy');
  assert.equal((await api.call('GET', '/readyz')).status, 200);
  assert.equal((await api.call('GET', '/health')).json()['status'], 'healthy');
  assert.deepEqual((await status())['instance_counts'], { PROVISIONING: 0, RUNNING: 2, STOPPED: 0, FAILED: 0, DELETED: 0, DELETING: 0, PAUSED: 0, STOPPING: 0 });
  assert.equal(sample(await metrics(), 'dcm_bridge_endpoint_health', 'endpoint="flaky",state="healthy"'), 1);

  harness().setPlatform('flaky', { instances: instances(2, 'on', 800), failAfterPages: 0, failure: { message: 'simulated outage' } });
  const unhealthy = await eventually('flaky unhealthy after one failed poll', async () => {
    const current = await status();
    return current['health'] === 'unhealthy' ? current : undefined;
  });
  assert.equal(unhealthy['consecutive_failures'], 1);
  assert.match(String((unhealthy['last_error'] as Record<string, unknown>)['message']), /simulated outage/);
  assert.ok(unhealthy['last_success_time'], 'the last success is still reported');
  const failingMetrics = await metrics();
  assert.equal(sample(failingMetrics, 'dcm_bridge_endpoint_health', 'endpoint="flaky",state="unhealthy"'), 1);
  assert.equal(sample(failingMetrics, 'dcm_bridge_endpoint_health', 'endpoint="flaky",state="healthy"'), 0);
  assert.equal(sample(failingMetrics, 'dcm_bridge_endpoint_consecutive_failures', 'endpoint="flaky"'), 1);
  assert.ok((sample(failingMetrics, 'dcm_bridge_poll_duration_seconds_count', 'endpoint="flaky",outcome="failure"') ?? 0) >= 1, failingMetrics.split('\n').filter((line) => line.includes('poll_duration_seconds_count')).join('\n'));

  await eventually('flaky unavailable after three failed polls', async () => (await status())['health'] === 'unavailable');
  // A failing platform never makes the process unready (#16): readiness is Redis and NATS only; health says it.
  const health = await eventually('provider unhealthy once flaky missed three intervals', async () => {
    const response = await api.call('GET', '/api/v1alpha1/vms/health');
    return response.json()['status'] === 'unhealthy' ? response : undefined;
  });
  assert.equal(health.status, 200, 'health answers 200 even when unhealthy');
  const endpointsHealth = health.json()['endpoints'] as Array<{ id: string; health: string; reason: string }>;
  assert.deepEqual({ ...health.json(), uptime: 0, endpoints: endpointsHealth.map((endpoint) => [endpoint.id, endpoint.health]) }, { status: 'unhealthy', type: 'test-bridge.dcm.io/health', path: 'health', version: '0.0.0-test', uptime: 0, endpoints: [['steady', 'healthy'], ['flaky', 'unavailable']] });
  assert.match(endpointsHealth[1]?.reason ?? '', /simulated outage/);
  const stillReady = await api.call('GET', '/readyz');
  assert.equal(stillReady.status, 200, 'still ready: the platform is not the process');
  assert.deepEqual((stillReady.json()['checks'] as Array<{ name: string }>).map((check) => check.name), ['redis', 'nats']);

  harness().setPlatform('flaky', { instances: instances(2, 'on', 800) });
  await eventually('flaky healthy again', async () => (await status())['health'] === 'healthy');
  await eventually('healthy again', async () => (await api.call('GET', '/health')).json()['status'] === 'healthy');

  await eventually('four health events for flaky', () => healthEvents.filter((event) => event.data['endpoint'] === 'flaky').length >= 4);
  const flakyEvents = healthEvents.filter((event) => event.data['endpoint'] === 'flaky');
  assert.deepEqual(
    flakyEvents.map((event) => [event.data['previous_status'], event.data['status']]),
    [[null, 'healthy'], ['healthy', 'unhealthy'], ['unhealthy', 'unavailable'], ['unavailable', 'healthy']],
  );
  const [event] = flakyEvents;
  assert.equal(event?.['type'], 'dcm.bridge.endpoint.health');
  assert.equal(event?.['source'], 'dcm/providers/test-bridge');
  assert.equal(event?.['subject'], 'endpoints/flaky');
  assert.equal(event?.['specversion'], '1.0');
  const dcmTypes = new Set((await harness().dcm.messages()).map((message) => message.event['type']));
  assert.ok(!dcmTypes.has('dcm.bridge.endpoint.health'), 'health events stay out of DCM’s dcm.* stream');

  subscription.unsubscribe();
  await listener.close();
  await api.stop();
});
