import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../support/servers.js';
import { ErrorCode } from '../../../src/errors/index.js';
import { never, sendJson, startLocalServer, testClient, type LocalServer } from './local-server.js';

let server: LocalServer;
let requestsCounted = 0;
before(async () => {
  server = await startLocalServer((request, res) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (path === '/slow') return void setTimeout(() => sendJson(res, 200, {}), 1500);
    if (path === '/drop') return void res.socket?.destroy();
    if (path === '/counted') requestsCounted++;
    return sendJson(res, 200, { ok: true });
  });
});
after(() => server.close());

test('no answer within the request timeout → PLATFORM_TIMEOUT', async () => {
  const { client, outcomes } = testClient(server.url, { requestTimeoutMs: 200 });
  await assert.rejects(client.request({ method: 'GET', path: '/slow', signal: never }), (error: Error & { code?: string }) => {
    assert.equal(error.code, ErrorCode.PlatformTimeout);
    assert.match(error.message, /^testplatform endpoint lab-1: GET \/slow got no complete answer within 0.2 s$/);
    return true;
  });
  assert.deepEqual(outcomes, [{ status: 'error', throttled: false }]);
  await client.close();
});

test('the caller aborting → POLL_ABORTED, before or during the request', async () => {
  const { client, outcomes } = testClient(server.url);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('shutting down')), 100);
  await assert.rejects(client.request({ method: 'GET', path: '/slow', signal: controller.signal }), { code: ErrorCode.PollAborted, message: /GET \/slow was aborted: shutting down/ });
  await assert.rejects(client.request({ method: 'GET', path: '/json', signal: controller.signal }), { code: ErrorCode.PollAborted });
  assert.equal(outcomes.length, 1, 'a request never sent is not counted');
  await client.close();
});

// Found by the API fuzz: the endpoint was removed just as the rate gate gave its token, so the abort fired before the
// request armed its deadline; the deadline never heard it, and DELETE waited out the connect (3 s to an unroutable host).
test('the caller aborting as the rate gate hands over its token → POLL_ABORTED, nothing sent', async () => {
  const controller = new AbortController();
  const rateLimit = {
    async take() {
      controller.abort(new Error('endpoint removed'));
    },
    drain: () => undefined,
  };
  const { client, outcomes } = testClient(server.url, { rateLimit, requestTimeoutMs: 60_000 });
  await assert.rejects(client.request({ method: 'GET', path: '/counted', signal: controller.signal }), { code: ErrorCode.PollAborted, message: /GET \/counted was aborted: endpoint removed/ });
  assert.equal(requestsCounted, 0, 'the request never reached the platform');
  assert.deepEqual(outcomes, [], 'a request never sent is not counted');
  await client.close();
});

test('connection refused → PLATFORM_UNREACHABLE', async () => {
  const { client, outcomes } = testClient(`http://127.0.0.1:${await freePort()}`);
  await assert.rejects(client.request({ method: 'GET', path: '/json', signal: never }), { code: ErrorCode.PlatformUnreachable, message: /GET \/json failed: .*ECONNREFUSED/ });
  assert.deepEqual(outcomes, [{ status: 'error', throttled: false }]);
  await client.close();
});

test('a connection dropped before the answer → PLATFORM_UNREACHABLE', async () => {
  const { client } = testClient(server.url);
  await assert.rejects(client.request({ method: 'GET', path: '/drop', signal: never }), (error: Error & { code?: string }) => {
    assert.equal(error.code, ErrorCode.PlatformUnreachable);
    assert.match(error.message, /^testplatform endpoint lab-1: GET \/drop failed: /);
    return true;
  });
  // The pool recovers: the next request opens a fresh socket.
  assert.equal((await client.request({ method: 'GET', path: '/json', signal: never })).status, 200);
  await client.close();
});
