import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { startLocalServer, sendJson, type LocalServer } from '../../platform-http/local-server.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

const listRoute = 'GET /compute/v2.1/servers/detail';
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { maxLimit: 1000 } });
});
after(() => lab.close());
beforeEach(() => lab.simulator.reset());

describe('paging through servers/detail', () => {
  test('2,500 tagged among 2,600 servers, max_limit 1000: all found in exactly 3 list calls, untagged never yielded', async () => {
    const seeded = lab.simulator.seedDcmServers({ count: 2600, tagged: 2500 });
    const untagged = new Set(seeded.filter((server) => server.instanceId === undefined).map((server) => server.serverId));
    const { connection, requests } = connectOpenstack(lab.endpointInput(), {});
    const { instances, pages } = await listServers(connection);
    const stats = lab.simulator.stats();
    console.log(`2,500 managed of 2,600 servers: ${stats.total} requests per first poll (${stats.byRoute['POST /identity/v3/auth/tokens']} token + ${stats.byRoute[listRoute]} list), ${pages} pages`);
    assert.equal(instances.length, 2500);
    assert.equal(new Set(instances.map((instance) => instance.platformId)).size, 2500);
    assert.ok(instances.every((instance) => !untagged.has(instance.platformId)));
    assert.equal(stats.byRoute[listRoute], 3);
    assert.equal(requests.length, 4);

    lab.simulator.resetStats();
    await listServers(connection);
    console.log(`later polls: ${lab.simulator.stats().total} requests each (token reused)`);
    assert.equal(lab.simulator.stats().total, 3);
    await connection.close();
  });

  test('instanceIdSource: tag reads the id from the tag <instanceIdKey>=<id>; metadata is then ignored', async () => {
    lab.simulator.seedDcmServers({ count: 12, tagged: 10, instanceIdAs: 'tag' });
    const byTag = connectOpenstack(lab.endpointInput({ extra: { instanceIdSource: 'tag' } }));
    const { instances } = await listServers(byTag.connection);
    assert.deepEqual(instances.map((instance) => instance.instanceId).sort(), Array.from({ length: 10 }, (_, index) => `inst-${String(index + 1).padStart(5, '0')}`));
    const byMetadata = connectOpenstack(lab.endpointInput());
    assert.ok((await listServers(byMetadata.connection)).instances.every((instance) => instance.instanceId === undefined), 'no metadata: no id');
    await Promise.all([byTag.connection.close(), byMetadata.connection.close()]);
  });

  test('a managed server with two different instance-id tags is reported without an id, with a warning', async () => {
    const [server] = lab.simulator.seedDcmServers({ count: 1, tagged: 1, instanceIdAs: 'tag' });
    lab.simulator.servers.addTag(server?.serverId ?? '', 'dcm-instance-id=inst-99999');
    const { connection, logLines } = connectOpenstack(lab.endpointInput({ extra: { instanceIdSource: 'tag' } }));
    const { instances } = await listServers(connection);
    assert.equal(instances[0]?.instanceId, undefined);
    assert.ok(logLines.some((line) => line.includes('several instance-id tags')));
    await connection.close();
  });

  test('the managed-by tag follows the selector', async () => {
    lab.simulator.seedDcmServers({ count: 5, tagged: 5, managedByTag: 'owner=dcm-prod' });
    lab.simulator.seedDcmServers({ count: 3, tagged: 3, firstInstanceNumber: 10 });
    const { connection } = connectOpenstack(lab.endpointInput({ extra: { selector: { managedByKey: 'owner', managedByValue: 'dcm-prod' } } }));
    assert.equal((await listServers(connection)).instances.length, 5);
    await connection.close();
  });
});

describe('microversion 2.26 is required', () => {
  test('a Nova older than 2.26 refuses the version: a clear PLATFORM_HTTP 406 naming the endpoint', async () => {
    const old = await startOpenstackLab({ simulator: { maxMicroversion: '2.25' } });
    old.simulator.seedDcmServers({ count: 3, tagged: 1 });
    const { connection } = connectOpenstack(old.endpointInput({ name: 'os-old' }));
    await assert.rejects(listServers(connection), (error: { code: string; message: string }) => {
      assert.equal(error.code, ErrorCode.PlatformHttp);
      assert.match(error.message, /^openstack endpoint os-old: GET \/compute\/v2\.1\/servers\/detail answered HTTP 406 \(computeFault: Version 2\.26 is not supported by the API\. Minimum is 2\.1 and maximum is 2\.25\.\)/);
      return true;
    });
    await connection.close();
    await old.close();
  });
});

/** A hand-written Keystone + Nova whose list answers a test controls (for answers no real Nova gives). */
async function fakeCloud(listAnswer: (url: URL, respond: (body: unknown, headers?: Record<string, string>) => void) => void): Promise<LocalServer> {
  let origin = '';
  const server = await startLocalServer((request, res) => {
    if (request.method === 'POST') {
      sendJson(res, 201, { token: { expires_at: '2999-01-01T00:00:00.000000Z', issued_at: '2998-12-31T23:00:00.000000Z', project: { id: 'p' }, catalog: [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${origin}/compute` }] }] } }, { 'x-subject-token': 'fake-token' });
      return;
    }
    listAnswer(new URL(request.url, origin), (body, headers = { 'openstack-api-version': 'compute 2.26' }) => sendJson(res, 200, body, headers));
  });
  origin = server.url;
  return server;
}

const server = (id: string): unknown => ({ id, name: id, status: 'ACTIVE', 'OS-EXT-STS:task_state': null, tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': id } });

describe('answers no healthy Nova gives', () => {
  test('an answer without a microversion header (a proxy dropped it, or the filter was ignored) fails the listing', async () => {
    const cloud = await fakeCloud((_url, respond) => respond({ servers: [server('a')] }, {}));
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-noversion', url: `${cloud.url}/v3` }));
    await assert.rejects(listServers(connection), { code: ErrorCode.PlatformPayload, message: /^openstack endpoint os-noversion: GET \/servers\/detail was answered without a microversion header, not 2\.26: below it Nova ignores the tag filter/ });
    await connection.close();
    await cloud.close();
  });

  test('a next link that repeats a marker stops the listing with PLATFORM_PAYLOAD instead of looping', async () => {
    const cloud = await fakeCloud((url, respond) => {
      const marker = url.searchParams.get('marker');
      respond({ servers: [server(marker === null ? 'a' : 'b')], servers_links: [{ rel: 'next', href: `${url.origin}/compute/servers/detail?marker=b` }] });
    });
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-loop', url: `${cloud.url}/v3` }));
    await assert.rejects(listServers(connection), { code: ErrorCode.PlatformPayload, message: /^openstack endpoint os-loop: page 2's next link repeats marker b/ });
    assert.equal(cloud.requests.length, 3, 'token + 2 pages, then it stops');
    await connection.close();
    await cloud.close();
  });

  test('a server without an id fails the listing (skipping it would make it look deleted)', async () => {
    const cloud = await fakeCloud((_url, respond) => respond({ servers: [server('a'), { name: 'ghost', tags: ['managed-by=dcm'] }] }));
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-noid', url: `${cloud.url}/v3` }));
    await assert.rejects(listServers(connection), { code: ErrorCode.PlatformPayload, message: /server without an id \(entry 1 of the page\)/ });
    await connection.close();
    await cloud.close();
  });

  test('servers without the managed-by tag despite the filter are skipped and logged', async () => {
    const cloud = await fakeCloud((_url, respond) => respond({ servers: [server('a'), { ...(server('b') as object), tags: [] }] }));
    const { connection, logLines } = connectOpenstack(lab.endpointInput({ url: `${cloud.url}/v3` }));
    assert.deepEqual((await listServers(connection)).instances.map((instance) => instance.platformId), ['a']);
    assert.ok(logLines.some((line) => line.includes('without the managed-by tag')));
    assert.match(cloud.requests[1]?.url ?? '', /^\/compute\/servers\/detail\?tags=managed-by%3Ddcm&limit=1000$/);
    await connection.close();
    await cloud.close();
  });
});
