// The target policy on the platform client's own sockets (SSRF at connect time), with real
// sockets: the policy's resolver is the tests' DNS, so a name can change its answer between
// the check at registration and the connection, as a rebinding DNS server makes it do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTargetPolicy, type Resolver } from '../../../src/api/index.js';
import { BridgeError } from '../../../src/errors/index.js';
import { never, sendJson, startLocalServer, testClient } from './local-server.js';

/** What each name resolves to now; the tests change it. */
const dns = new Map<string, string[]>();
const lookups: string[] = [];
const resolver: Resolver = async (host) => {
  lookups.push(host);
  return dns.get(host) ?? [];
};
/** Loopback admitted, as a lab registration would need: the simulators listen on 127.0.0.1. */
const labPolicy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: true }, resolver);

async function refusal(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BridgeError, String(error));
    return error;
  }
  assert.fail('the request was sent');
}

test('a name is connected to at the address the policy checked; once it resolves to a metadata address, no socket reaches it', async () => {
  const platform = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }));
  const port = new URL(platform.url).port;
  try {
    dns.set('platform.test', ['127.0.0.1']);
    lookups.length = 0;
    const first = testClient(`http://platform.test:${port}`, { targetCheck: labPolicy });
    const answer = await first.client.request({ method: 'GET', path: '/status', signal: never });
    assert.deepEqual(answer.body, { ok: true });
    assert.equal(platform.requests[0]?.headers.host, `platform.test:${port}`, 'the request still names the host; only the socket used the checked address');
    assert.deepEqual(lookups, ['platform.test'], 'resolved through the policy’s resolver, once');
    await first.client.close();

    // Rebinding: the registration check saw an allowed address; the connection now would reach the metadata service.
    for (const metadata of ['169.254.169.254', 'fd00:ec2::254']) {
      dns.set('platform.test', [metadata]);
      const second = testClient(`http://platform.test:${port}`, { targetCheck: labPolicy });
      const error = await refusal(second.client.request({ method: 'GET', path: '/status', signal: never }));
      assert.equal(error.code, 'PERMISSION_DENIED');
      assert.equal(
        error.message,
        `testplatform endpoint lab-1: GET /status not sent: host platform.test resolves to ${metadata}, which is a metadata address (refused unless a CIDR in api.allowedTargets covers it); the target policy refuses it`,
      );
      assert.deepEqual([error.context['host'], error.context['address'], error.context['targetProblem']], ['platform.test', metadata, 'refused']);
      assert.deepEqual(second.outcomes, [{ status: 'error', throttled: false }]);
      await second.client.close();
    }
    assert.equal(platform.requests.length, 1, 'nothing after the first request reached a socket');
    assert.equal(platform.connections(), 1);
  } finally {
    await platform.close();
  }
});

test('an IP literal the policy refuses is refused before any socket: loopback without allowPrivateTargets', async () => {
  const platform = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }));
  try {
    const strict = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: false }, resolver);
    const { client } = testClient(platform.url, { targetCheck: strict });
    const error = await refusal(client.request({ method: 'GET', path: '/x', signal: never }));
    assert.equal(error.code, 'PERMISSION_DENIED');
    assert.match(error.message, /^testplatform endpoint lab-1: GET \/x not sent: 127\.0\.0\.1 is a loopback address \(refused unless api\.allowPrivateTargets is true/);
    assert.equal(platform.connections(), 0);
    await client.close();

    // The same server through a CIDR of the allow-list: the operator named it, so it is reached.
    const allowListed = createTargetPolicy({ allowedTargets: ['127.0.0.1/32'], allowPrivateTargets: false }, resolver);
    const admitted = testClient(platform.url, { targetCheck: allowListed });
    assert.deepEqual((await admitted.client.request({ method: 'GET', path: '/x', signal: never })).body, { ok: true });
    await admitted.client.close();
  } finally {
    await platform.close();
  }
});

test('a redirect is an error naming where it pointed, never followed, wherever it points', async () => {
  // Stands in for the metadata service: it must never hear from the client.
  const target = await startLocalServer((_request, res) => sendJson(res, 200, { secret: 'instance credentials' }));
  const redirecting = await startLocalServer((request, res) => {
    const to = request.url === '/relative' ? '/elsewhere' : request.url === '/metadata' ? 'http://169.254.169.254/latest/meta-data/iam?token=abc' : `${target.url}/latest?token=abc`;
    sendJson(res, 302, undefined, { location: to });
  });
  try {
    const { client, outcomes } = testClient(redirecting.url, { targetCheck: labPolicy });
    const toLoopback = await refusal(client.request({ method: 'GET', path: '/api', signal: never }));
    assert.equal(toLoopback.code, 'PLATFORM_HTTP');
    assert.equal(
      toLoopback.message,
      `testplatform endpoint lab-1: GET /api answered HTTP 302: a redirect to ${target.url}, not followed (platform clients never follow redirects; point the endpoint at where the platform answers)`,
      'the origin only: the path and query of a Location may carry tokens',
    );
    const toMetadata = await refusal(client.request({ method: 'GET', path: '/metadata', signal: never }));
    assert.match(toMetadata.message, /answered HTTP 302: a redirect to http:\/\/169\.254\.169\.254, not followed/);
    assert.doesNotMatch(toMetadata.message, /token=abc|meta-data/);
    const relative = await refusal(client.request({ method: 'GET', path: '/relative', signal: never }));
    assert.match(relative.message, /answered HTTP 302: a redirect, not followed/);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), [302, 302, 302]);
    assert.equal(target.requests.length, 0, 'the redirect target never heard from the client');
    assert.equal(redirecting.requests.length, 3);
    await client.close();

    // Without a target check (an operator's YAML endpoint) redirects are not followed either.
    const unchecked = testClient(redirecting.url);
    assert.equal((await refusal(unchecked.client.request({ method: 'GET', path: '/api', signal: never }))).code, 'PLATFORM_HTTP');
    assert.equal(target.requests.length, 0);
    await unchecked.client.close();
  } finally {
    await Promise.all([target.close(), redirecting.close()]);
  }
});

test('without a target check (configuration-file endpoints) the system resolver is used and loopback is reached', async () => {
  const platform = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }));
  try {
    lookups.length = 0;
    const { client } = testClient(platform.url.replace('127.0.0.1', 'localhost'));
    assert.deepEqual((await client.request({ method: 'GET', path: '/x', signal: never })).body, { ok: true });
    assert.deepEqual(lookups, [], 'the policy’s resolver is not asked');
    await client.close();
  } finally {
    await platform.close();
  }
});
