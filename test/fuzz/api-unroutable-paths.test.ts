// Found by the API fuzz: a path fastify cannot route (bad percent-encoding, an id longer than
// its parameter limit) was answered by fastify itself, outside the error handler: its own JSON
// shape, quoting the path. Every failure of the API is an RFC 7807 problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHarness } from '../support/harness.js';
import { startApiUnderFuzz } from './api-under-fuzz.js';
import { plantedSecrets } from './secrets.js';

const harness = useHarness();

test('paths fastify cannot route are answered with a problem document, not fastify\'s own JSON', async () => {
  const api = await startApiUnderFuzz(harness());
  try {
    const read = { authorization: `Bearer ${plantedSecrets.apiReadToken}` };
    for (const [path, detail] of [
      ['/api/v1alpha1/endpoints/%zz', 'the request path is not valid percent-encoded UTF-8'],
      ['/api/v1alpha1/endpoints/%E0%A4%A/status', 'the request path is not valid percent-encoded UTF-8'],
      [`/api/v1alpha1/endpoints/${'a'.repeat(200)}`, 'a path segment is too long (ids are at most 63 characters)'],
      [`/api/v1alpha1/vms/${'v'.repeat(200)}`, 'a path segment is too long (ids are at most 63 characters)'],
    ] as const) {
      const response = await fetch(api.baseUrl + path, { headers: read });
      assert.equal(response.status, 400, path);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
      const problem = (await response.json()) as Record<string, unknown>;
      assert.deepEqual([problem['status'], problem['code'], problem['detail']], [400, 'INVALID_ARGUMENT', detail], path);
    }
  } finally {
    await api.stop();
  }
});

test('a registration may override raw states with dots in them (the shape check keeps map keys as data)', async () => {
  const api = await startApiUnderFuzz(harness());
  try {
    const write = { authorization: `Bearer ${plantedSecrets.apiWriteToken}` };
    const body = { platform: 'file', file: `${harness().dir}/lab.json`, credentials: { token: plantedSecrets.fileToken }, state_overrides: { 'guest.off': 'STOPPED' } };
    const created = await fetch(`${api.baseUrl}/api/v1alpha1/endpoints?id=dotted`, { method: 'POST', headers: { ...write, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(created.status, 201, await created.clone().text());
    assert.deepEqual(((await created.json()) as Record<string, unknown>)['state_overrides'], { 'guest.off': 'STOPPED' });
  } finally {
    await api.stop();
  }
});
