import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator, negotiateMicroversion, parseMicroversion } from './index.js';
import { call, issueToken, passwordAuth } from './support.js';

const simulator = createOpenstackSimulator({ maxMicroversion: '2.90' });
let running: RunningServer;
let token: string;
let serverId: string;

type ServerBody = { server: Record<string, unknown> };

async function getServer(headers: Record<string, string>): Promise<{ status: number; headers: Headers; server: Record<string, unknown> | undefined; json: unknown }> {
  const answer = await call(simulator.computeUrl(), `/servers/${serverId}`, { headers: { 'x-auth-token': token, ...headers } });
  return { status: answer.status, headers: answer.headers, server: (answer.json as ServerBody | undefined)?.server, json: answer.json };
}

describe('Nova microversion negotiation', () => {
  before(async () => {
    const [seeded] = simulator.seedDcmServers({ count: 1, tagged: 1 });
    serverId = seeded?.serverId ?? '';
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());

  it('serves 2.1 when no version is asked, and says so in the response headers', async () => {
    const answer = await getServer({});
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('openstack-api-version'), 'compute 2.1');
    assert.equal(answer.headers.get('x-openstack-nova-api-version'), '2.1');
    assert.equal(answer.headers.get('vary'), 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    assert.equal(answer.server?.tags, undefined);
    assert.deepEqual(Object.keys(answer.server?.flavor as object), ['id', 'links']);
  });

  it('shapes the body by the version asked: locked (2.9), description (2.19), tags (2.26), embedded flavor (2.47)', async () => {
    const at = async (version: string): Promise<Record<string, unknown> | undefined> => (await getServer({ 'openstack-api-version': `compute ${version}` })).server;
    assert.equal((await at('2.8'))?.locked, undefined);
    assert.equal((await at('2.9'))?.locked, false);
    assert.equal((await at('2.18'))?.description, undefined);
    assert.equal((await at('2.19'))?.description, null);
    assert.equal((await at('2.25'))?.tags, undefined);
    assert.deepEqual((await at('2.26'))?.tags, ['managed-by=dcm']);
    assert.equal(((await at('2.47'))?.flavor as { original_name?: string }).original_name, 'm1.tiny');
  });

  it('takes the legacy X-OpenStack-Nova-API-Version header, and prefers OpenStack-API-Version when both are sent', async () => {
    assert.equal((await getServer({ 'x-openstack-nova-api-version': '2.26' })).headers.get('openstack-api-version'), 'compute 2.26');
    const both = await getServer({ 'x-openstack-nova-api-version': '2.26', 'openstack-api-version': 'compute 2.30' });
    assert.equal(both.headers.get('x-openstack-nova-api-version'), '2.30');
    const otherService = await getServer({ 'openstack-api-version': 'identity 3.10, compute 2.27' });
    assert.equal(otherService.headers.get('openstack-api-version'), 'compute 2.27');
  });

  it('serves `latest` as the maximum, refuses a version out of range with 406 computeFault and a malformed one with 400', async () => {
    assert.equal((await getServer({ 'openstack-api-version': 'compute latest' })).headers.get('openstack-api-version'), 'compute 2.90');
    const tooNew = await getServer({ 'openstack-api-version': 'compute 2.91' });
    assert.equal(tooNew.status, 406);
    assert.deepEqual(tooNew.json, { computeFault: { code: 406, message: 'Version 2.91 is not supported by the API. Minimum is 2.1 and maximum is 2.90.' } });
    assert.equal((await getServer({ 'openstack-api-version': 'compute 3.0' })).status, 406);
    const malformed = await getServer({ 'openstack-api-version': 'compute two' });
    assert.equal(malformed.status, 400);
    assert.equal(Object.keys(malformed.json as object)[0], 'badRequest');
  });

  it('checks the token before the version (keystonemiddleware runs first)', async () => {
    const answer = await call(simulator.computeUrl(), `/servers/${serverId}`, { headers: { 'openstack-api-version': 'compute 9.9' } });
    assert.equal(answer.status, 401);
  });

  it('reports the supported range in the unauthenticated version documents', async () => {
    const root = await call(`${running.url}/compute`, '/');
    const versions = (root.json as { versions: { id: string; version: string; min_version: string }[] }).versions;
    assert.deepEqual(versions.map((entry) => [entry.id, entry.min_version, entry.version]), [
      ['v2.0', '', ''],
      ['v2.1', '2.1', '2.90'],
    ]);
    const v21 = await call(simulator.computeUrl(), '');
    assert.equal((v21.json as { version: { version: string } }).version.version, '2.90');
  });

  it('parses and negotiates in process too', () => {
    assert.deepEqual(parseMicroversion('2.26'), { major: 2, minor: 26 });
    assert.equal(parseMicroversion('2.026'), undefined);
    assert.deepEqual(negotiateMicroversion({ 'openstack-api-version': 'compute 2.60' }, { major: 2, minor: 96 }), { ok: true, version: { major: 2, minor: 60 } });
  });
});
