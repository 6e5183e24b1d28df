import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTargetConnectCheck, createTargetPolicy, createTargetPreflight, guardedUrls } from '../../../src/api/index.js';
import type { EndpointConfig } from '../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';

const dns: Record<string, string[]> = { 'public.example': ['93.184.216.34'], 'private.example': ['10.0.0.7'] };
const asked: string[] = [];
const policy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: false }, async (host) => {
  asked.push(host);
  const addresses = dns[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo EAI_AGAIN ${host}`), { code: 'EAI_AGAIN' });
  return addresses;
});
const preflight = createTargetPreflight(policy);
const signal = new AbortController().signal;

/** Only the fields the preflight reads; the rest of an endpoint does not matter to it. */
const endpoint = (origin: 'api' | 'config', url: string, options: Record<string, unknown> = {}): EndpointConfig => ({ name: 'os-lab', platform: 'openstack', origin, url, options }) as unknown as EndpointConfig;

test('judge tells a lookup failure (worth retrying) from a refused address, and never throws', async () => {
  assert.deepEqual(await policy.judge('https://public.example/v3'), { allowed: true, host: 'public.example' });
  const unresolved = await policy.judge('https://down.example/v3');
  assert.equal(unresolved.allowed, false);
  assert.equal(!unresolved.allowed && unresolved.problem, 'unresolved');
  assert.match(!unresolved.allowed ? unresolved.reason : '', /^host down\.example does not resolve \(getaddrinfo EAI_AGAIN down\.example\)$/);
  const refused = await policy.judge('https://private.example/');
  assert.equal(!refused.allowed && refused.problem, 'refused');
  assert.equal(!(await policy.judge('not a url')).allowed, true);
});

test('the preflight checks url and every …Url option of API endpoints, before each poll', async () => {
  asked.length = 0;
  await preflight(endpoint('api', 'https://public.example/v3', { computeUrl: 'https://public.example/compute', region: 'RegionOne' }), signal);
  assert.deepEqual(asked, ['public.example', 'public.example']);
  assert.deepEqual(guardedUrls(endpoint('api', '', { computeUrl: 'https://x.example/' })), [{ key: 'computeUrl', url: 'https://x.example/' }]);

  await assert.rejects(preflight(endpoint('api', 'https://public.example/v3', { computeUrl: 'https://down.example/compute' }), signal), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.equal(error.code, ErrorCode.PlatformUnreachable);
    assert.equal(error.message, 'endpoint os-lab: compute_url: host down.example does not resolve (getaddrinfo EAI_AGAIN down.example); not polled until it resolves');
    assert.equal(error.context['host'], 'down.example');
    return true;
  });
  await assert.rejects(preflight(endpoint('api', 'https://private.example/v3'), signal), (error: unknown) => error instanceof BridgeError && error.code === ErrorCode.PermissionDenied && /10\.0\.0\.7, which is a private address/.test(error.message));
});

test('configuration-file endpoints are the operator’s: not checked', async () => {
  asked.length = 0;
  await preflight(endpoint('config', 'https://down.example/v3'), signal);
  assert.deepEqual(asked, []);
});

test('the sockets of API endpoints get the same policy as their preflight; configuration-file endpoints get none', () => {
  const checkFor = createTargetConnectCheck(policy);
  assert.equal(checkFor(endpoint('api', 'https://public.example/v3')), policy);
  assert.equal(checkFor(endpoint('config', 'https://private.example/v3')), undefined);
});
