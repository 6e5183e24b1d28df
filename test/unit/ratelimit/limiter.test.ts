// The limiter's pure parts on a fake clock: which platforms are limited, which
// endpoints share a bucket, and a platform HTTP client that takes a token
// before every request (the Redis bucket: test/integration/ratelimit-*.test.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createFakeClock } from '../../support/fake-clock.js';
import { ErrorCode } from '../../../src/errors/index.js';
import { createPlatformRateLimiter, createTokenBucket } from '../../../src/ratelimit/index.js';
import { vsphereAccountKey } from '../../../adapters/vsphere/index.js';
import { openstackAccountKey } from '../../../adapters/openstack/index.js';
import { memoryLogger } from '../../support/harness.js';
import { sendJson, startLocalServer, testClient, type LocalServer } from '../platform-http/local-server.js';

const rates = { vsphere: { requestsPerSecond: 2, burst: 3 }, openstack: { requestsPerSecond: 0, burst: 20 }, ec2: { requestsPerSecond: 10, burst: 50 } };

test('a platform at 0 requests per second, or without a rate, gets no gate', () => {
  const limiter = createPlatformRateLimiter({ rates, namespace: 'ns', clock: createFakeClock(), logger: memoryLogger().logger });
  assert.equal(limiter.forPlatform('openstack'), undefined);
  assert.equal(limiter.forPlatform('file'), undefined);
  assert.ok(limiter.forPlatform('vsphere'));
});

test('in memory, endpoints of one account share one bucket: the burst at once, then one token per 1/rate seconds of the clock', async () => {
  const clock = createFakeClock();
  const gateOf = createPlatformRateLimiter({ rates, namespace: 'ns', clock, logger: memoryLogger().logger }).forPlatform('vsphere');
  assert.ok(gateOf);
  const first = gateOf('https://vc.example');
  const second = gateOf('https://vc.example');
  assert.equal(first, second, 'one account, one gate');
  const granted: number[] = [];
  const takes = [first, second, first, second, first].map((gate, index) => gate.take().then(() => granted.push(index)));
  await clock.advance(0);
  assert.equal(granted.length, 3, 'the burst of 3 is served at once');
  await clock.advance(499);
  assert.equal(granted.length, 3, 'the fourth waits for half a second of refill');
  await clock.advance(1);
  assert.equal(granted.length, 4);
  await clock.advance(500);
  assert.equal(granted.length, 5);
  await Promise.all(takes);
  assert.deepEqual(granted, [0, 1, 2, 3, 4], 'served in the order asked');

  const other = gateOf('https://vc2.example');
  let otherGranted = false;
  void other.take().then(() => (otherGranted = true));
  await clock.advance(0);
  assert.ok(otherGranted, 'another vCenter has a bucket of its own');
});

test('drain empties the bucket: the next take waits a whole refill', async () => {
  const clock = createFakeClock();
  const bucket = createTokenBucket({ capacity: 10, refillPerSecond: 5 }, clock);
  bucket.drain();
  let granted = false;
  void bucket.take().then(() => (granted = true));
  await clock.advance(199);
  assert.equal(granted, false);
  await clock.advance(1);
  assert.equal(granted, true);
});

test('account keys: a vCenter is its URL origin; an OpenStack project its auth URL and project', () => {
  assert.equal(vsphereAccountKey({ url: 'https://VC.example:443/sdk' }), vsphereAccountKey({ url: 'https://vc.example' }), 'path, case and the default port do not split a vCenter');
  assert.notEqual(vsphereAccountKey({ url: 'https://vc.example:8443' }), vsphereAccountKey({ url: 'https://vc.example' }));
  const password = (projectName: string) => ({ authUrl: 'https://keystone.example/v3', auth: { method: 'password' as const, username: 'u', password: 'secret-pw', userDomainName: 'Default', projectName, projectDomainName: 'Default' } });
  assert.equal(openstackAccountKey(password('dcm')), openstackAccountKey({ ...password('dcm'), auth: { ...password('dcm').auth, username: 'other-user' } }), 'two users of one project share');
  assert.notEqual(openstackAccountKey(password('dcm')), openstackAccountKey(password('billing')));
  assert.doesNotMatch(openstackAccountKey(password('dcm')), /secret-pw/);
  const appCredential = { authUrl: 'https://keystone.example/v3', auth: { method: 'application_credential' as const, id: 'ac-1', secret: 'ac-secret' } };
  assert.doesNotMatch(openstackAccountKey(appCredential), /ac-secret/);
});

let server: LocalServer;
before(async () => {
  server = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }));
});
after(() => server.close());

test('the platform HTTP client takes a token before each request: none is sent while the bucket is empty, and an abort during the wait is POLL_ABORTED with nothing sent', async () => {
  const clock = createFakeClock();
  const gate = createTokenBucket({ capacity: 1, refillPerSecond: 1 }, clock);
  const { client, outcomes } = testClient(server.url, { rateLimit: gate });
  const seenBefore = server.requests.length;
  await client.request({ method: 'GET', path: '/one', signal: new AbortController().signal });
  assert.equal(server.requests.length, seenBefore + 1);

  let answered = false;
  const second = client.request({ method: 'GET', path: '/two', signal: new AbortController().signal }).then(() => (answered = true));
  await clock.advance(999);
  assert.equal(server.requests.length, seenBefore + 1, 'the second request waits for its token');
  await clock.advance(1);
  await second;
  assert.ok(answered);
  assert.equal(server.requests.length, seenBefore + 2);

  const controller = new AbortController();
  const third = client.request({ method: 'GET', path: '/three', signal: controller.signal });
  await clock.advance(100);
  controller.abort(new Error('endpoint removed'));
  await assert.rejects(third, { code: ErrorCode.PollAborted, message: /GET \/three was aborted: endpoint removed/ });
  assert.equal(server.requests.length, seenBefore + 2, 'the aborted request was never sent');
  assert.equal(outcomes.length, 2, 'nor counted as a platform request');
  assert.equal(gate.available() > -0.5, true, 'and its token was given back');
  await client.close();
});
