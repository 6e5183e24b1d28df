import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, startApi } from './api-support.js';

const harness = useHarness();

const eventsOf = async (endpoint: string) => (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === endpoint);

test('register → polled and published; restart → still registered and polled; patch → re-validated; delete → polling stops', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('owned', { instances: instances(3, 'on', 100) });
  const config = apiConfig(harness());

  const first = await startApi(harness(), config);
  const created = await first.call('POST', '/api/v1alpha1/endpoints?id=owned', { body: fileRegistration(harness(), 'owned', { url: 'https://platform.example/' }) });
  assert.equal(created.status, 201, created.text);
  const resource = created.json();
  assert.equal(resource['id'], 'owned');
  assert.equal(resource['origin'], 'api');
  assert.deepEqual(resource['credential_keys'], ['token']);

  // Polling starts at once (the scheduler's first poll waits at most the jitter) and events reach DCM's stream.
  const published = await eventually('the registered endpoint’s events in DCM’s stream', async () => ((await eventsOf('owned')).length >= 3 ? eventsOf('owned') : undefined));
  assert.deepEqual(published.map((message) => message.event.data.id).sort(), ['inst-100', 'inst-101', 'inst-102']);
  const vms = await first.call('GET', '/api/v1alpha1/vms?endpoint=owned');
  assert.deepEqual((vms.json()['results'] as Array<{ id: string; status: string }>).map((vm) => [vm.id, vm.status]), [['inst-100', 'RUNNING'], ['inst-101', 'RUNNING'], ['inst-102', 'RUNNING']]);
  await first.stop();

  // A new bridge and API on the same Redis: the registration is back, and polled.
  const second = await startApi(harness(), config);
  const restored = await second.call('GET', '/api/v1alpha1/endpoints/owned');
  assert.equal(restored.status, 200, restored.text);
  assert.equal(restored.json()['create_time'], resource['create_time']);
  assert.equal(restored.json()['origin'], 'api');
  const restartedAt = Date.now();
  await eventually('a poll of the restored registration', () => (second.bridge.status('owned')?.lastSuccessAt ?? 0) > restartedAt);

  // A merge patch changes one field, keeps the credential it does not mention, and restarts polling.
  const patched = await second.call('PATCH', '/api/v1alpha1/endpoints/owned', { body: { interval_seconds: 2, url: null }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json()['interval_seconds'], 2);
  assert.equal(patched.json()['url'], undefined);
  assert.deepEqual(patched.json()['credential_keys'], ['token']);
  assert.equal(second.bridge.endpoints.get('owned')?.credentials['token'], 'owned-credential-secret');

  const deleted = await second.call('DELETE', '/api/v1alpha1/endpoints/owned');
  assert.equal(deleted.status, 204);
  assert.equal((await second.call('GET', '/api/v1alpha1/endpoints/owned')).status, 404);
  assert.equal(second.bridge.status('owned'), undefined, 'no longer scheduled');

  // Polling has stopped: a change on the platform is never published, while the YAML endpoint goes on polling.
  const before = (await eventsOf('owned')).length;
  harness().setPlatform('owned', { instances: instances(3, 'off', 100) });
  const deletedAt = Date.now();
  await eventually('two more polls of lab', async () => {
    const status = second.bridge.status('lab');
    return (status?.lastSuccessAt ?? 0) > deletedAt + 1000;
  });
  assert.equal((await eventsOf('owned')).length, before, 'nothing published for the deleted endpoint');
  await second.stop();

  // And it stays deleted across a restart.
  const third = await startApi(harness(), config);
  assert.equal((await third.call('GET', '/api/v1alpha1/endpoints/owned')).status, 404);
  await third.stop();
});

test('lists page through results with next_page_token; a generated id when ?id= is absent', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('paged', { instances: instances(7, 'on', 300) });
  const api = await startApi(harness(), apiConfig(harness()));
  const created = await api.call('POST', '/api/v1alpha1/endpoints?id=paged', { body: fileRegistration(harness(), 'paged') });
  assert.equal(created.status, 201, created.text);
  await eventually('the paged endpoint polled', () => api.bridge.status('paged')?.lastSuccessAt);

  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await api.call('GET', `/api/v1alpha1/vms?endpoint=paged&max_page_size=3${token ? `&page_token=${token}` : ''}`);
    assert.equal(page.status, 200, page.text);
    const body = page.json();
    seen.push(...(body['results'] as Array<{ id: string }>).map((vm) => vm.id));
    token = body['next_page_token'] as string | undefined;
    pages++;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(seen, ['inst-300', 'inst-301', 'inst-302', 'inst-303', 'inst-304', 'inst-305', 'inst-306']);

  const anonymous = await api.call('POST', '/api/v1alpha1/endpoints', { body: fileRegistration(harness(), 'paged') });
  assert.equal(anonymous.status, 201, anonymous.text);
  assert.match(String(anonymous.json()['id']), /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
  const listed = await api.call('GET', '/api/v1alpha1/endpoints?max_page_size=2');
  assert.equal((listed.json()['results'] as unknown[]).length, 2);
  assert.ok(listed.json()['next_page_token']);
  await api.stop();
});
