import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, startApi } from './api-support.js';

const harness = useHarness();

test('too many instances vanishing at once: no DELETED, the endpoint degraded, until an operator releases it', async () => {
  const everything = instances(40, 'on', 500);
  harness().setPlatform('estate', { instances: everything });
  const api = await startApi(harness(), apiConfig(harness(), { endpoints: ['estate'] }), { start: false });
  const { bridge } = api;
  assert.ok((await bridge.runOnce()).ok);
  const baseline = (await harness().dcm.messages()).length;
  assert.equal(baseline, 40);

  // A permission change hides 30 of 40 VMs; the platform would even call them gone if asked.
  harness().setPlatform('estate', { instances: everything.slice(0, 10) });
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok, 'the polls themselves succeed');
  assert.equal((await harness().dcm.messages()).length, baseline, 'no DELETED while the guard holds');

  const status = (await api.call('GET', '/api/v1alpha1/endpoints/estate/status')).json();
  assert.equal(status['health'], 'unhealthy');
  assert.match(String(status['reason']), /^degraded: 30 of 40 instances \(75 %\) vanished at once/);
  assert.deepEqual({ ...(status['deletions_held'] as object) }, { known: 40, vanished: 30, reason: (status['deletions_held'] as { reason: string }).reason });
  const metrics = (await api.call('GET', '/metrics')).text;
  assert.match(metrics, /dcm_bridge_deletions_held\{endpoint="estate"\} 30/);
  assert.ok(api.logLines.some((line) => line.includes('vanished at once')), 'an error names why');

  // The estate comes back: the guard lets go by itself and nothing was ever deleted.
  harness().setPlatform('estate', { instances: everything });
  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await api.call('GET', '/api/v1alpha1/endpoints/estate/status')).json()['health'], 'healthy');
  assert.equal((await api.call('POST', '/api/v1alpha1/endpoints/estate/release-held-deletions')).status, 409, 'nothing held: nothing to release');

  // A real decommissioning of 30 VMs: held, then released by an operator, then deleted once each.
  harness().setPlatform('estate', { instances: everything.slice(0, 10) });
  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await api.call('POST', '/api/v1alpha1/endpoints/estate/release-held-deletions', { token: null })).status, 401, 'a write needs the token');
  const released = await api.call('POST', '/api/v1alpha1/endpoints/estate/release-held-deletions');
  assert.equal(released.status, 202, released.text);
  assert.equal((await api.call('POST', '/api/v1alpha1/endpoints/nowhere/release-held-deletions')).status, 404);
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  const deleted = (await harness().dcm.messages()).slice(baseline);
  assert.equal(deleted.length, 30);
  assert.ok(deleted.every((message) => message.event.data.status === 'DELETED'));
  assert.equal(new Set(deleted.map((message) => message.event.data.id)).size, 30, 'one DELETED each');
  assert.equal((await api.call('GET', '/api/v1alpha1/endpoints/estate/status')).json()['health'], 'healthy');
  await api.stop();
});
