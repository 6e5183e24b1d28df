import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors/index.js';
import { never, sendJson, startLocalServer, testClient, type LocalServer } from './local-server.js';

let server: LocalServer;
before(async () => {
  server = await startLocalServer((request, res) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/json') return sendJson(res, 200, { echo: request.body === '' ? null : (JSON.parse(request.body) as unknown), query: request.url.split('?')[1] ?? '' });
    if (path === '/empty') return sendJson(res, 204, undefined);
    if (path === '/bad-json') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '9' });
      return res.end('{"value":');
    }
    if (path === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('secret-token-abc <html>maintenance</html>');
    }
    if (path === '/cut') {
      // Promise 1000 bytes, send 10, then break the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      return res.write('{"value":[', () => res.destroy());
    }
    if (path === '/big') return sendJson(res, 200, { value: 'x'.repeat(5000) });
    return sendJson(res, 404, {});
  });
});
after(() => server.close());

test('a 2xx JSON answer is decoded; query keys repeat; the JSON body is sent; an empty body is undefined', async () => {
  const { client, outcomes } = testClient(server.url);
  const answer = await client.request({ method: 'POST', path: '/json', query: { vms: ['vm-1', 'vm-2'], '~action': 'list' }, json: { tag_ids: ['a'] }, signal: never });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { echo: { tag_ids: ['a'] }, query: 'vms=vm-1&vms=vm-2&%7Eaction=list' });
  const seen = server.requests.at(-1)!;
  assert.equal(seen.headers['content-type'], 'application/json');
  assert.equal(seen.headers['accept'], 'application/json');
  const empty = await client.request({ method: 'DELETE', path: '/empty', signal: never });
  assert.equal(empty.status, 204);
  assert.equal(empty.body, undefined);
  assert.deepEqual(outcomes, [{ status: 200, throttled: false }, { status: 204, throttled: false }]);
  await client.close();
});

test('the base URL path prefixes every request path', async () => {
  const { client } = testClient(`${server.url}/prefix/`);
  await assert.rejects(client.request({ method: 'GET', path: '/json', signal: never }), (error: Error & { context?: Record<string, unknown> }) => error.context?.['path'] === '/prefix/json');
  assert.equal(server.requests.at(-1)!.url, '/prefix/json');
  await client.close();
});

for (const [path, pattern] of [
  ['/bad-json', /GET \/bad-json answered HTTP 200 with a body that is not valid JSON \(9 bytes, ending mid-document\)$/],
  ['/html', /GET \/html answered HTTP 200 with a body that is not valid JSON \(41 bytes\)$/],
  ['/cut', /GET \/cut answered HTTP 200 with a body cut off before its end/],
] as const) {
  test(`${path} → PLATFORM_PAYLOAD, reported to the hook as an error`, async () => {
    const { client, outcomes } = testClient(server.url);
    await assert.rejects(client.request({ method: 'GET', path, signal: never }), (error: Error & { code?: string }) => {
      assert.equal(error.code, ErrorCode.PlatformPayload);
      assert.match(error.message, /^testplatform endpoint lab-1: /);
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /secret-token/, 'the body is never quoted');
      return true;
    });
    assert.deepEqual(outcomes, [{ status: 'error', throttled: false }]);
    await client.close();
  });
}

test('a body above maxResponseBytes → PLATFORM_PAYLOAD', async () => {
  const { client } = testClient(server.url, { maxResponseBytes: 1000 });
  await assert.rejects(client.request({ method: 'GET', path: '/big', signal: never }), { code: ErrorCode.PlatformPayload, message: /a body larger than 1000 bytes/ });
  await client.close();
});

test('keep-alive: sequential requests reuse their sockets instead of opening one each', async () => {
  const { client } = testClient(server.url);
  const before = server.connections();
  for (let index = 0; index < 20; index++) await client.request({ method: 'GET', path: '/json', signal: never });
  const opened = server.connections() - before;
  console.log(`keep-alive: 20 sequential requests opened ${opened} connection(s)`);
  // undici may open a second socket when a request is dispatched in the tick the first one frees up.
  assert.ok(opened <= 2, `opened ${opened}`);
  await client.close();
});

test('after close() requests fail; close() is idempotent', async () => {
  const { client } = testClient(server.url);
  await client.request({ method: 'GET', path: '/json', signal: never });
  await client.close();
  await client.close();
  await assert.rejects(client.request({ method: 'GET', path: '/json', signal: never }), { code: ErrorCode.PollAborted });
});
