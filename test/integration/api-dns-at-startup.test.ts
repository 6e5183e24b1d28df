import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBridgeApi, createBridgeEndpoints, createTargetPolicy, createTargetPreflight, type Resolver } from '../../src/api/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import type { BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { capturedBridgeLogger, instances, useHarness, type Harness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, writeToken } from './api-support.js';

const harness = useHarness();
const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 1 })]);

/** The DNS of this test: what `flaky.example` resolves to now; `undefined` = the lookup fails as getaddrinfo does. */
let flakyAddresses: string[] | undefined = ['93.184.216.34'];
const lookups: string[] = [];
const resolver: Resolver = async (host) => {
  lookups.push(host);
  if (host !== 'flaky.example' || flakyAddresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
  return flakyAddresses;
};

/** A bridge and its API as `run` wires them: one target policy for registration and for the check before each poll. */
async function startBridge(h: Harness, config: BridgeConfig) {
  const { logger, lines: logLines } = capturedBridgeLogger('info');
  const clock = createSystemClock();
  const targets = createTargetPolicy(config.api, resolver);
  const bridge = await h.bridge(config, { logger, clock, adapters, preflight: createTargetPreflight(targets) });
  const registrations = createBridgeEndpoints({ config, bridge, adapters, clock, logger, targets });
  await registrations.load();
  await bridge.start();
  const api = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: '0.0.0-test' });
  const baseUrl = await api.listen();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(baseUrl + path, { method, headers: { authorization: `Bearer ${writeToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return { bridge, call, logLines, stop: async () => (await api.close(), await bridge.stop()) };
}

const eventsOf = async (endpoint: string) => (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === endpoint);

test('a stored registration whose host does not resolve at start-up is loaded, reported unhealthy, retried, and polled once it resolves; a forbidden address is never polled', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('flaky', { instances: instances(2, 'on', 500) });
  // Backoff capped at 2 s so the retries come quickly on real time.
  const config = apiConfig(harness(), { env: { DCM_BRIDGE_SCHEDULER_BACKOFF_MAX_SECONDS: '2' } });

  const first = await startBridge(harness(), config);
  const created = await first.call('POST', '/api/v1alpha1/endpoints?id=flaky', fileRegistration(harness(), 'flaky', { url: 'https://flaky.example/' }));
  assert.equal(created.status, 201, JSON.stringify(created.json));
  await eventually('flaky’s first events', async () => (await eventsOf('flaky')).length >= 2);
  await first.stop();

  // Restart while the name does not resolve.
  flakyAddresses = undefined;
  lookups.length = 0;
  const second = await startBridge(harness(), config);
  const loaded = await second.call('GET', '/api/v1alpha1/endpoints/flaky');
  assert.equal(loaded.status, 200, 'the stored registration is loaded although its host does not resolve');
  const listed = await second.call('GET', '/api/v1alpha1/endpoints');
  assert.deepEqual((listed.json['results'] as Array<{ id: string }>).map((endpoint) => endpoint.id), ['flaky', 'lab']);

  const unreachable = await eventually('flaky reported unhealthy with the DNS error', async () => {
    const status = (await second.call('GET', '/api/v1alpha1/endpoints/flaky/status')).json;
    return (status['consecutive_failures'] as number) >= 2 ? status : undefined;
  });
  assert.notEqual(unreachable['health'], 'healthy');
  const lastError = unreachable['last_error'] as { code: string; message: string };
  assert.equal(lastError.code, 'PLATFORM_UNREACHABLE');
  assert.match(lastError.message, /^endpoint flaky: url: host flaky\.example does not resolve \(getaddrinfo ENOTFOUND flaky\.example\); not polled until it resolves$/);
  assert.ok(lookups.filter((host) => host === 'flaky.example').length >= 2, 'the target is looked up again before each poll');
  const health = (await second.call('GET', '/health')).json;
  assert.notEqual((health['endpoints'] as Array<{ id: string; health: string }>).find((endpoint) => endpoint.id === 'flaky')?.health, 'healthy', '/health names flaky');
  assert.equal((await second.call('GET', '/readyz')).status, 200, 'an unresolvable platform does not make the process unready');

  // The name resolves again: the next retry polls, and a change made meanwhile is published.
  harness().setPlatform('flaky', { instances: instances(2, 'off', 500) });
  flakyAddresses = ['93.184.216.34'];
  await eventually('flaky healthy again', async () => (await second.call('GET', '/api/v1alpha1/endpoints/flaky/status')).json['health'] === 'healthy');
  const recovered = await eventually('the change published', async () => {
    const events = await eventsOf('flaky');
    return events.filter((message) => message.event.data.status === 'STOPPED').length >= 2 ? events : undefined;
  });
  assert.deepEqual(recovered.slice(-2).map((message) => message.event.data.id).sort(), ['inst-500', 'inst-501']);

  // Later the name resolves to a private address: refused before the platform is asked; nothing is published.
  flakyAddresses = ['10.1.2.3'];
  const before = (await eventsOf('flaky')).length;
  harness().setPlatform('flaky', { instances: instances(2, 'on', 500) });
  const refused = await eventually('flaky refused by the target policy', async () => {
    const status = (await second.call('GET', '/api/v1alpha1/endpoints/flaky/status')).json;
    const error = status['last_error'] as { code: string; message: string } | undefined;
    return error?.code === 'PERMISSION_DENIED' && (status['consecutive_failures'] as number) >= 2 ? error : undefined;
  });
  assert.match(refused.message, /^endpoint flaky: url: host flaky\.example resolves to 10\.1\.2\.3, which is a private address .*; not polled while the target policy refuses it$/);
  assert.equal((await eventsOf('flaky')).length, before, 'the platform’s change was not polled, so not published');
  assert.ok((await eventsOf('lab')).length >= 1, 'the configuration file’s endpoint is not affected');
  await second.stop();
});
