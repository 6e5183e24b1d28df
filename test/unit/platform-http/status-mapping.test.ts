import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, isBridgeError, type BridgeError } from '../../../src/errors/index.js';
import { never, sendJson, startLocalServer, testClient, type LocalServer } from './local-server.js';

let server: LocalServer;
before(async () => {
  // The path names the answer: /status/<code>[/<retry-after>]
  server = await startLocalServer((request, res) => {
    const [, , code, retryAfter] = new URL(request.url, 'http://x').pathname.split('/');
    sendJson(res, Number(code), { error_type: 'SIMULATED', messages: [{ default_message: `status ${code}` }] }, retryAfter ? { 'retry-after': decodeURIComponent(retryAfter) } : {});
  });
});
after(() => server.close());

const describeErrorBody = (body: unknown): { code?: string; message?: string } | undefined => {
  const value = body as { error_type?: string; messages?: { default_message?: string }[] } | undefined;
  return value ? { code: value.error_type, message: value.messages?.[0]?.default_message } : undefined;
};

async function failure(path: string): Promise<BridgeError> {
  const { client } = testClient(server.url, { describeErrorBody });
  try {
    await client.request({ method: 'GET', path, query: { token: 'query-secret-value' }, headers: { authorization: 'Basic c2VjcmV0' }, signal: never });
  } catch (error) {
    assert.ok(isBridgeError(error), `a BridgeError, got ${String(error)}`);
    return error;
  } finally {
    await client.close();
  }
  assert.fail(`${path} did not fail`);
}

const cases: { path: string; code: ErrorCode; status: number; retryAfterMs?: number }[] = [
  { path: '/status/401', code: ErrorCode.PlatformAuth, status: 401 },
  { path: '/status/403', code: ErrorCode.PlatformAuth, status: 403 },
  { path: '/status/404', code: ErrorCode.PlatformHttp, status: 404 },
  { path: '/status/400', code: ErrorCode.PlatformHttp, status: 400 },
  { path: '/status/429/7', code: ErrorCode.PlatformThrottled, status: 429, retryAfterMs: 7000 },
  { path: '/status/429', code: ErrorCode.PlatformThrottled, status: 429 },
  { path: '/status/500', code: ErrorCode.PlatformHttp, status: 500 },
  { path: '/status/500/9', code: ErrorCode.PlatformHttp, status: 500 },
  { path: '/status/503/4', code: ErrorCode.PlatformHttp, status: 503, retryAfterMs: 4000 },
];

for (const expected of cases) {
  test(`${expected.path} → ${expected.code}`, async () => {
    const error = await failure(expected.path);
    assert.equal(error.code, expected.code);
    assert.equal(error.context.status, expected.status);
    assert.equal(error.context.endpoint, 'lab-1');
    assert.equal(error.context['method'], 'GET');
    assert.equal(error.context['path'], expected.path);
    assert.equal(error.context.retryAfterMs, expected.retryAfterMs);
    assert.equal(error.context.platformCode, 'SIMULATED');
    assert.match(error.message, new RegExp(`^testplatform endpoint lab-1: GET ${expected.path} answered HTTP ${expected.status} \\(SIMULATED: status ${expected.status}\\)`));
    const everything = JSON.stringify(error.toJSON()) + error.message;
    assert.doesNotMatch(everything, /query-secret-value|c2VjcmV0|token=/, 'no query string or header in the error');
  });
}

test('a Retry-After date on 503 becomes the wait from now', async () => {
  const date = new Date(Date.now() + 60_000).toUTCString();
  const error = await failure(`/status/503/${encodeURIComponent(date)}`);
  assert.ok(error.context.retryAfterMs !== undefined && error.context.retryAfterMs > 50_000 && error.context.retryAfterMs <= 60_000, String(error.context.retryAfterMs));
});
