import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, type BridgeError } from '../../../../src/errors/index.js';
import { createErrorBodyReader } from '../../../../adapters/openstack/error-bodies.js';
import { createScrubber } from '../../../../adapters/openstack/redact.js';
import type { FaultSpec } from '../../../simulators/common/index.js';
import { readOpenstackFixture } from '../../../simulators/openstack/support.js';
import { sendJson, startLocalServer } from '../../platform-http/local-server.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

const token = `gAAAAAB${'t0kenValue'.repeat(8)}`;
const listRoute = 'GET /compute/v2.1/servers/detail';
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { maxLimit: 100, newToken: () => token } });
});
after(() => lab.close());
beforeEach(() => {
  lab.simulator.reset();
  lab.simulator.seedDcmServers({ count: 250, tagged: 250 });
});

/** Runs a listing that must fail; returns its error and how many pages it yielded first. */
async function failedListing(connection: ReturnType<typeof connectOpenstack>['connection']): Promise<{ error: BridgeError; pages: number }> {
  let pages = 0;
  try {
    for await (const _page of connection.list(new AbortController().signal)) pages++;
  } catch (error) {
    return { error: error as BridgeError, pages };
  }
  return assert.fail(`the listing ended normally after ${pages} pages`);
}

describe('every fault fails the whole listing with a typed error naming the endpoint', () => {
  const cases: { name: string; fault?: FaultSpec; pageFault?: { page: number; action: Parameters<OpenstackLab['simulator']['failListingPage']>[1] }; code: string; message: RegExp; retryAfterMs?: number }[] = [
    { name: 'HTTP 500 computeFault', fault: { kind: 'http5xx', status: 500 }, code: ErrorCode.PlatformHttp, message: /servers\/detail answered HTTP 500 \(computeFault: Unexpected API Error/ },
    { name: 'HTTP 503 serviceUnavailable', fault: { kind: 'http5xx', status: 503 }, code: ErrorCode.PlatformHttp, message: /answered HTTP 503 \(serviceUnavailable: The server is currently unavailable/ },
    { name: '429 overLimit with Retry-After', fault: { kind: 'throttle429', retryAfterSeconds: 7 }, code: ErrorCode.PlatformThrottled, message: /answered HTTP 429 \(overLimit: This request was rate-limited\.\); retry after 7 s/, retryAfterMs: 7000 },
    { name: 'latency past the request timeout', fault: { kind: 'latencyMs', delayMs: 1500 }, code: ErrorCode.PlatformTimeout, message: /got no complete answer within 0\.4 s/ },
    { name: 'a body cut mid-way', fault: { kind: 'truncateBody', style: 'destroyMidBody' }, code: ErrorCode.PlatformPayload, message: /a body cut off before its end/ },
    { name: 'a complete answer with half a JSON body', fault: { kind: 'truncateBody', style: 'halfJson' }, code: ErrorCode.PlatformPayload, message: /a body that is not valid JSON/ },
    { name: 'a dropped connection', fault: { kind: 'dropConnection' }, code: ErrorCode.PlatformUnreachable, message: /servers\/detail failed: / },
    { name: 'page 2 answering 503', pageFault: { page: 2, action: { kind: 'http5xx', status: 503 } }, code: ErrorCode.PlatformHttp, message: /answered HTTP 503/ },
    { name: 'page 2 throttled', pageFault: { page: 2, action: { kind: 'throttle429', retryAfterSeconds: 12 } }, code: ErrorCode.PlatformThrottled, message: /retry after 12 s/, retryAfterMs: 12_000 },
    { name: 'page 3 dropped', pageFault: { page: 3, action: { kind: 'dropConnection' } }, code: ErrorCode.PlatformUnreachable, message: /failed: / },
  ];
  for (const { name, fault, pageFault, code, message, retryAfterMs } of cases) {
    test(name, async () => {
      const { connection, logLines } = connectOpenstack(lab.endpointInput({ name: 'os-faults' }), { requestTimeoutMs: 400 });
      if (fault) lab.simulator.faults.set([{ ...fault, scope: { route: listRoute } } as FaultSpec]);
      if (pageFault) lab.simulator.failListingPage(pageFault.page, pageFault.action);
      const { error, pages } = await failedListing(connection);
      assert.equal(error.code, code, error.message);
      assert.match(error.message, /^openstack endpoint os-faults: /);
      assert.match(error.message, message);
      assert.equal(error.context.endpoint, 'os-faults');
      if (retryAfterMs !== undefined) assert.ok((error.context.retryAfterMs ?? 0) >= retryAfterMs, `retryAfterMs ${String(error.context.retryAfterMs)}`);
      if (pageFault) assert.equal(pages, pageFault.page - 1, 'earlier pages were yielded, then the listing threw');
      const everything = `${error.message} ${JSON.stringify(error.context)} ${logLines.join('')}`;
      assert.ok(!everything.includes(token) && !everything.includes(lab.simulator.credentials.password), 'no token or password in errors and logs');

      lab.simulator.faults.clear();
      lab.simulator.listingFaults.clear();
      assert.equal((await listServers(connection)).instances.length, 250, 'the next poll is complete');
      assert.equal(lab.simulator.tokenCounters().issued, 1, 'faults do not cost a new token');
      await connection.close();
    });
  }

  test('Keystone unavailable: the token request fails with PLATFORM_HTTP naming Keystone\'s path', async () => {
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-keystone' }));
    lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { pathPrefix: '/identity' }, trigger: { type: 'next', count: 1 } }]);
    const { error } = await failedListing(connection);
    assert.equal(error.code, ErrorCode.PlatformHttp);
    assert.match(error.message, /^openstack endpoint os-keystone: POST \/identity\/v3\/auth\/tokens answered HTTP 503 \(Service Unavailable: The service is temporarily unavailable\.\)/);
    await connection.close();
  });

  test('an aborted poll ends with POLL_ABORTED', async () => {
    const { connection } = connectOpenstack(lab.endpointInput());
    lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 300, scope: { route: listRoute } }]);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('shutting down')), 50);
    await assert.rejects(listServers(connection, abort.signal), { code: ErrorCode.PollAborted });
    await connection.close();
  });
});

describe('Nova and Keystone error bodies', () => {
  test('overLimit from an older Nova: 413 with retryAfter in the body becomes PLATFORM_THROTTLED with retryAfterMs', async () => {
    const cloud = await startLocalServer((request, res) => {
      if (request.method === 'POST') sendJson(res, 201, { token: { expires_at: '2999-01-01T00:00:00Z', issued_at: '2998-12-31T23:00:00Z', catalog: [] } }, { 'x-subject-token': token });
      else sendJson(res, 413, { overLimit: { code: 413, message: 'This request was rate-limited.', retryAfter: '59' } }, { 'retry-after': '59' });
    });
    const { connection, logLines } = connectOpenstack(lab.endpointInput({ name: 'os-413', url: `${cloud.url}/v3`, extra: { computeUrl: `${cloud.url}/v2.1` } }));
    const { error } = await failedListing(connection);
    assert.equal(error.code, ErrorCode.PlatformThrottled);
    assert.equal(error.context.retryAfterMs, 59_000);
    assert.match(error.message, /^openstack endpoint os-413: GET \/v2\.1\/servers\/detail answered HTTP 413 \(overLimit: This request was rate-limited\.\); retry after 59 s$/);
    assert.ok(!logLines.join('').includes(token));
    await connection.close();
    await cloud.close();
  });

  test('the body hook reads every fixture shape; Keystone echoing a token is scrubbed', () => {
    const reader = createErrorBodyReader(createScrubber(() => ['Simulator-Passw0rd!']));
    assert.equal(reader.describe(readOpenstackFixture('nova-error-item-not-found.json'))?.code, 'itemNotFound');
    assert.deepEqual(reader.describe(readOpenstackFixture('nova-error-bad-request-marker.json'))?.code, 'badRequest');
    assert.deepEqual(reader.describe(readOpenstackFixture('nova-error-over-limit.json')), { code: 'overLimit', message: 'This request was rate-limited.' });
    assert.equal(reader.takeRetryAfterMs(), undefined, 'no retryAfter in the 429 sample');
    reader.describe({ overLimit: { code: 413, message: 'slow down', retryAfter: '30' } });
    assert.deepEqual([reader.takeRetryAfterMs(), reader.takeRetryAfterMs()], [30_000, undefined]);
    assert.deepEqual(reader.describe(readOpenstackFixture('keystone-error-unauthorized.json')), { code: 'Unauthorized', message: 'The request you have made requires authentication.' });
    assert.deepEqual(reader.describe({ error: { code: 404, title: 'Not Found', message: `Could not find token: ${token}.` } }), { code: 'Not Found', message: 'Could not find token: [redacted].' });
    assert.equal(reader.describe({ error: { code: 400, title: 'Bad Request', message: 'password Simulator-Passw0rd! is wrong' } })?.message, 'password [redacted] is wrong');
    assert.equal(reader.describe('not json'), undefined);
  });
});
