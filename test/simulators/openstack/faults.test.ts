import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { rawRequest, type RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { call, issueToken, listAll, nova, passwordAuth, type ServersPage } from './support.js';

const waits: number[] = [];
const simulator = createOpenstackSimulator({
  maxLimit: 100,
  delay: async (milliseconds) => {
    waits.push(milliseconds);
  },
});
let running: RunningServer;
let token: string;
const DETAIL = 'GET /compute/v2.1/servers/detail';
const firstPage = (): string => `${simulator.computeUrl()}/servers/detail?tags=managed-by%3Ddcm`;

describe('Fault switches on the OpenStack simulator', () => {
  before(async () => {
    simulator.seedDcmServers({ count: 250, tagged: 250 });
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());
  beforeEach(() => {
    simulator.faults.clear();
    simulator.listingFaults.clear();
    simulator.resetStats();
    waits.length = 0;
  });

  it('http5xx answers in Nova\'s shape on compute paths and Keystone\'s on identity paths', async () => {
    simulator.faults.set([{ kind: 'http5xx', status: 503, trigger: { type: 'next', count: 2 } }]);
    const compute = await nova(simulator.computeUrl(), '/servers', token);
    assert.deepEqual([compute.status, Object.keys(compute.json as object)], [503, ['serviceUnavailable']]);
    const identity = await call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials) });
    assert.deepEqual([identity.status, (identity.json as { error: { title: string } }).error.title], [503, 'Service Unavailable']);
    assert.equal((await nova(simulator.computeUrl(), '/servers', token)).status, 200);
  });

  it('throttle429 answers overLimit with Retry-After', async () => {
    simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 7, trigger: { type: 'next', count: 1 }, scope: { route: DETAIL } }]);
    const throttled = await nova(simulator.computeUrl(), '/servers/detail', token);
    assert.deepEqual([throttled.status, throttled.headers.get('retry-after'), Object.keys(throttled.json as object)], [429, '7', ['overLimit']]);
  });

  it('latencyMs waits through the injected delay before answering', async () => {
    simulator.faults.set([{ kind: 'latencyMs', delayMs: 2500, trigger: { type: 'next', count: 1 } }]);
    assert.equal((await nova(simulator.computeUrl(), '/servers', token)).status, 200);
    assert.deepEqual(waits, [2500]);
  });

  it('truncateBody cuts a page mid-body, and dropConnection closes the socket without an answer', async () => {
    simulator.faults.set([{ kind: 'truncateBody', trigger: { type: 'next', count: 1 } }]);
    const cut = await rawRequest(running.url, '/compute/v2.1/servers/detail', { headers: { 'x-auth-token': token } });
    assert.equal(cut.kind, 'truncated');
    simulator.faults.set([{ kind: 'truncateBody', style: 'halfJson', trigger: { type: 'next', count: 1 } }]);
    const half = await rawRequest(running.url, '/compute/v2.1/servers/detail', { headers: { 'x-auth-token': token } });
    assert.ok(half.kind === 'response');
    assert.throws(() => JSON.parse(half.body.toString('utf8')) as unknown);
    simulator.faults.set([{ kind: 'dropConnection', trigger: { type: 'next', count: 1 } }]);
    assert.equal((await rawRequest(running.url, '/compute/v2.1/servers/detail', { headers: { 'x-auth-token': token } })).kind, 'failed');
    assert.deepEqual(simulator.stats().faultsFired, { http5xx: 0, throttle429: 0, latencyMs: 0, truncateBody: 2, dropConnection: 1 });
  });

  it('fails page 2 of a listing (and only page 2) with a 500; a retry of that page then succeeds', async () => {
    simulator.failListingPage(2, { kind: 'http5xx', status: 500 });
    const first = (await call(firstPage(), '', { headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.26' } })).json as ServersPage;
    const nextHref = first.servers_links?.[0]?.href ?? '';
    const failed = await call(nextHref, '', { headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.26' } });
    assert.deepEqual([failed.status, Object.keys(failed.json as object)], [500, ['computeFault']]);
    const retried = await call(nextHref, '', { headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.26' } });
    assert.equal(retried.status, 200);
    assert.equal(simulator.stats().byRoute[DETAIL], 3);
  });

  it('drops page 3 of a listing when asked (any kit fault can hit a chosen page)', async () => {
    simulator.listingFaults.arm({ page: 3, action: { kind: 'dropConnection' } });
    await assert.rejects(listAll(firstPage(), token, '2.26'));
    assert.equal(simulator.stats().byRoute[DETAIL], 3);
    assert.equal(simulator.stats().faultsFired.dropConnection, 1);
  });

  it('invalidates the token between page 1 and page 2: page 2 gets 401, a new token finishes the listing', async () => {
    simulator.failListingPage(2, { kind: 'revokeToken' });
    const headers = (value: string): Record<string, string> => ({ 'x-auth-token': value, 'openstack-api-version': 'compute 2.26' });
    const first = (await call(firstPage(), '', { headers: headers(token) })).json as ServersPage;
    const nextHref = first.servers_links?.[0]?.href ?? '';
    const refused = await call(nextHref, '', { headers: headers(token) });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), `Keystone uri="${running.url}/identity"`);
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    const rest = await listAll(nextHref, token, '2.26');
    assert.equal(first.servers.length + rest.servers.length, 250);
    assert.equal(simulator.tokenCounters().revoked, 1);
  });

  it('arms listing faults over /_sim/listing-faults and refuses bad ones', async () => {
    const armed = await call(running.url, '/_sim/listing-faults', { json: { page: 2, action: { kind: 'throttle429', retryAfterSeconds: 2 } } });
    assert.deepEqual(armed.json, { listingFaults: [{ page: 2, action: { kind: 'throttle429', retryAfterSeconds: 2 } }] });
    assert.equal((await call(running.url, '/_sim/listing-faults', { json: { page: 1, action: { kind: 'http5xx' } } })).status, 400);
    assert.equal((await call(running.url, '/_sim/listing-faults', { json: { page: 2, action: { kind: 'explode' } } })).status, 400);
    const first = (await call(firstPage(), '', { headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.26' } })).json as ServersPage;
    const throttled = await call(first.servers_links?.[0]?.href ?? '', '', { headers: { 'x-auth-token': token } });
    assert.deepEqual([throttled.status, throttled.headers.get('retry-after')], [429, '2']);
    assert.equal((await call(running.url, '/_sim/listing-faults', { method: 'DELETE' })).status, 204);
  });
});
