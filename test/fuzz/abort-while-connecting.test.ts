// Found by the API fuzz: DELETE of a registration whose platform never answers the connect took
// as long as the connect (3 s to an unroutable address here, undici's 10 s connect timeout on a
// blackhole), because undici ignores an abort while the socket is still connecting. The request
// now ends when its signal fires or its timeout passes, whatever the socket is doing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { createFakeClock } from '../support/fake-clock.js';
import { ErrorCode, isBridgeError } from '../../src/errors/index.js';
import { createPlatformHttpClient } from '../../src/platform-http/index.js';
import { memoryLogger, useHarness } from '../support/harness.js';
import { startApiUnderFuzz, type ApiUnderFuzz } from './api-under-fuzz.js';
import { plantedSecrets } from './secrets.js';

const harness = useHarness();

/** A connection that never completes: its host name never resolves. */
const neverResolves = { resolve: () => new Promise<readonly string[]>(() => undefined), refusal: () => undefined };

function blackholeClient(clock = createFakeClock()) {
  return createPlatformHttpClient({ endpoint: 'vc', platform: 'vsphere', baseUrl: 'https://blackhole.example', tls: { caFile: undefined, insecureSkipVerify: false }, logger: memoryLogger().logger, clock, requestTimeoutMs: 5_000, targetCheck: neverResolves });
}

const write = { authorization: `Bearer ${plantedSecrets.apiWriteToken}` };

/** Registers a vSphere endpoint `id` at `url` over the API under test; its first poll starts at once (no jitter in the harness config). */
async function registerVsphere(api: ApiUnderFuzz, id: string, url: string): Promise<void> {
  const body = { platform: 'vsphere', url, interval_seconds: 10, credentials: { username: 'svc', password: plantedSecrets.vspherePassword } };
  const created = await fetch(`${api.baseUrl}/api/v1alpha1/endpoints?id=${id}`, { method: 'POST', headers: { ...write, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(created.status, 201, await created.text());
}

/** DELETEs `id` and asserts the 204 came within 2 s (a hang would take 10 s or more). */
async function assertRemovedPromptly(api: ApiUnderFuzz, id: string): Promise<void> {
  const started = performance.now();
  const removed = await fetch(`${api.baseUrl}/api/v1alpha1/endpoints/${id}`, { method: 'DELETE', headers: write, signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => assert.fail(`DELETE did not answer within 10 s: ${String(error)}`));
  const elapsedMs = performance.now() - started;
  assert.equal(removed.status, 204);
  assert.ok(elapsedMs < 2000, `DELETE took ${Math.round(elapsedMs)} ms`);
}

test('a request still connecting ends with POLL_ABORTED as soon as its signal fires', { timeout: 10_000 }, async () => {
  const client = blackholeClient();
  const controller = new AbortController();
  const pending = client.request({ method: 'GET', path: '/api/vcenter/vm', signal: controller.signal });
  controller.abort(new Error('endpoint removed'));
  await assert.rejects(pending, (error: unknown) => isBridgeError(error, ErrorCode.PollAborted));
  await client.close();
});

test('a request still connecting ends with PLATFORM_TIMEOUT when its timeout passes', { timeout: 10_000 }, async () => {
  const clock = createFakeClock();
  const client = blackholeClient(clock);
  const pending = client.request({ method: 'GET', path: '/api/vcenter/vm', signal: new AbortController().signal });
  const outcome = assert.rejects(pending, (error: unknown) => isBridgeError(error, ErrorCode.PlatformTimeout));
  await clock.advance(5_000);
  await outcome;
  await client.close();
});

for (const [stage, answeredLookups] of [['its target check before the poll', 1], ['the connect of its first socket', 2]] as const) {
  test(`DELETE of a registration whose poll is stuck in ${stage} answers within 2 s`, { timeout: 30_000 }, async () => {
    let lookups = 0;
    // The registration's check (and, for the connect, the poll's preflight) see an allowed address; the next lookup never answers.
    const api = await startApiUnderFuzz(harness(), { resolver: (host) => (host === 'blackhole.example' && lookups++ < answeredLookups ? Promise.resolve(['192.0.2.10']) : new Promise(() => undefined)) });
    try {
      await registerVsphere(api, 'stuck', 'https://blackhole.example');
      // The first poll waits on the lookup that never answers.
      for (const deadline = Date.now() + 10_000; lookups <= answeredLookups; ) {
        assert.ok(Date.now() < deadline, `the poll reached lookup ${answeredLookups + 1}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await assertRemovedPromptly(api, 'stuck');
    } finally {
      await api.stop();
    }
  });
}

// Found by the API fuzz in CI: with every poll slot (scheduler.maxConcurrentPolls, 8) held by polls stuck on their
// platforms, a new registration's first poll queued for a slot, and its DELETE waited until a stuck poll ended.
test('DELETE of a registration whose poll waits for a slot held by stuck polls answers within 2 s', { timeout: 60_000 }, async () => {
  const lookups = new Map<string, number>();
  // Each host's first lookup (the registration's target check) sees an allowed address; its poll's lookup never answers.
  const resolver = (host: string): Promise<readonly string[]> => {
    const count = (lookups.get(host) ?? 0) + 1;
    lookups.set(host, count);
    return count === 1 ? Promise.resolve(['192.0.2.10']) : new Promise(() => undefined);
  };
  const api = await startApiUnderFuzz(harness(), { resolver });
  const register = (id: string): Promise<void> => registerVsphere(api, id, `https://${id}.example`);
  try {
    const slots = 8;
    for (let index = 0; index < slots; index++) {
      const id = `stuck-${index}`;
      await register(id);
      for (const deadline = Date.now() + 10_000; (lookups.get(`${id}.example`) ?? 0) < 2; ) {
        assert.ok(Date.now() < deadline, `the poll of ${id} reached its preflight lookup`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await register('queued');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(lookups.get('queued.example'), 1, 'the queued poll has not started: every slot is held');
    await assertRemovedPromptly(api, 'queued');
  } finally {
    await api.stop();
  }
});
