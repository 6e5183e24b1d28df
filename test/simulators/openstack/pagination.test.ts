import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator, type SeededServer } from './index.js';
import { issueToken, listAll, nova, passwordAuth, type ServersPage } from './support.js';

const TAGGED = 2500;
const UNTAGGED = 300;
const simulator = createOpenstackSimulator({ maxLimit: 1000 });
let running: RunningServer;
let token: string;
let seeded: SeededServer[];
const DETAIL_ROUTE = 'GET /compute/v2.1/servers/detail';

describe('Nova server listing: limit, marker, servers_links and filters', () => {
  before(async () => {
    seeded = simulator.seedDcmServers({ count: TAGGED + UNTAGGED, tagged: TAGGED });
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());
  beforeEach(() => simulator.resetStats());

  it(`finds all ${TAGGED} tagged servers in exactly 3 calls by following servers_links (max_limit 1000), untagged ones excluded`, async () => {
    const { servers, calls, pages } = await listAll(`${simulator.computeUrl()}/servers/detail?tags=managed-by%3Ddcm`, token, '2.26');
    assert.equal(calls, 3);
    assert.equal(simulator.stats().byRoute[DETAIL_ROUTE], 3);
    assert.deepEqual(pages.map((page) => page.servers.length), [1000, 1000, 500]);
    assert.equal(pages[2]?.servers_links, undefined);
    const expected = seeded.filter((server) => server.instanceId !== undefined).map((server) => server.serverId);
    assert.deepEqual(new Set(servers.map((server) => server.id)), new Set(expected));
    assert.equal(servers.length, TAGGED);
    assert.ok(servers.every((server) => server.tags?.includes('managed-by=dcm') && server.metadata?.['dcm-instance-id']?.startsWith('inst-')));
  });

  it('writes the next link as Nova does: sorted parameters, marker = last id of the page, the caller\'s limit kept', async () => {
    const first = (await nova(simulator.computeUrl(), '/servers/detail?tags=managed-by%3Ddcm&limit=5000', token, '2.26')).json as ServersPage;
    assert.equal(first.servers.length, 1000);
    const lastId = first.servers.at(-1)?.id ?? '';
    assert.deepEqual(first.servers_links, [{ href: `${simulator.computeUrl()}/servers/detail?limit=5000&tags=managed-by%3Ddcm&marker=${lastId}`, rel: 'next' }]);
    const second = (await nova(simulator.computeUrl(), `/servers/detail?tags=managed-by%3Ddcm&marker=${lastId}&limit=5000`, token, '2.26')).json as ServersPage;
    assert.equal(second.servers_links?.[0]?.href, `${simulator.computeUrl()}/servers/detail?limit=5000&marker=${second.servers.at(-1)?.id ?? ''}&tags=managed-by%3Ddcm`);
  });

  it('clamps a missing limit to max_limit and lists newest first', async () => {
    const page = (await nova(simulator.computeUrl(), '/servers', token)).json as ServersPage;
    assert.equal(page.servers.length, 1000);
    assert.equal(page.servers[0]?.id, seeded.at(-1)?.serverId);
    assert.equal(page.servers_links?.[0]?.href, `${simulator.computeUrl()}/servers?marker=${page.servers.at(-1)?.id ?? ''}`);
  });

  it('puts a next link on a full last page, as Nova does (it does not look ahead); the page after it is empty', async () => {
    const { pages } = await listAll(`${simulator.computeUrl()}/servers/detail?tags=managed-by%3Ddcm&limit=500`, token, '2.26');
    assert.deepEqual(pages.map((page) => page.servers.length), [500, 500, 500, 500, 500, 0]);
    assert.equal(pages.at(-1)?.servers_links, undefined);
  });

  it('answers an unknown marker with 400 badRequest "marker [x] not found", and a bad limit with 400', async () => {
    const answer = await nova(simulator.computeUrl(), '/servers/detail?marker=does-not-exist', token, '2.26');
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json, { badRequest: { code: 400, message: 'marker [does-not-exist] not found' } });
    assert.equal((await nova(simulator.computeUrl(), '/servers/detail?limit=ten', token, '2.26')).status, 400);
  });

  it('keeps serving a marker whose server was deleted between pages (Nova reads markers with deleted rows)', async () => {
    const first = (await nova(simulator.computeUrl(), '/servers?limit=10', token)).json as ServersPage;
    const lastId = first.servers.at(-1)?.id ?? '';
    simulator.servers.markDeleted(lastId);
    const next = await nova(simulator.computeUrl(), `/servers?limit=10&marker=${lastId}`, token);
    assert.equal(next.status, 200);
    assert.equal((next.json as ServersPage).servers.length, 10);
    simulator.servers.purge(lastId);
    assert.equal((await nova(simulator.computeUrl(), `/servers?limit=10&marker=${lastId}`, token)).status, 400);
  });

  it('applies tags-any, not-tags and not-tags-any (2.26+)', async () => {
    const [one, two] = seeded.slice(TAGGED);
    assert.ok(one && two);
    simulator.servers.setTags(one.serverId, ['blue', 'green']);
    simulator.servers.setTags(two.serverId, ['blue']);
    const ids = async (query: string): Promise<string[]> => ((await nova(simulator.computeUrl(), `/servers?limit=1000&${query}`, token, '2.26')).json as ServersPage).servers.map((server) => server.id);
    assert.deepEqual(await ids('tags=blue,green'), [one.serverId]);
    assert.deepEqual((await ids('tags-any=green,blue')).sort(), [one.serverId, two.serverId].sort());
    assert.equal((await ids('tags-any=blue&not-tags=green')).join(), two.serverId);
    assert.equal((await ids('tags-any=blue&not-tags-any=green,red')).join(), two.serverId);
  });

  it('ignores tag filters below microversion 2.26, as Nova drops them from a project member\'s query', async () => {
    const filtered = (await nova(simulator.computeUrl(), '/servers/detail?tags=no-such-tag', token, '2.25')).json as ServersPage;
    assert.equal(filtered.servers.length, 1000);
    assert.equal(filtered.servers[0]?.tags, undefined);
    const honoured = (await nova(simulator.computeUrl(), '/servers/detail?tags=no-such-tag', token, '2.26')).json as ServersPage;
    assert.deepEqual(honoured.servers, []);
  });

  it('filters by status and name; an unknown status is an empty list before 2.38 and a 400 from 2.38', async () => {
    const target = seeded[7];
    assert.ok(target);
    simulator.servers.setState(target.serverId, { vmState: 'stopped' });
    const shutoff = (await nova(simulator.computeUrl(), '/servers/detail?status=SHUTOFF', token)).json as ServersPage;
    assert.deepEqual(shutoff.servers.map((server) => [server.id, server.status]), [[target.serverId, 'SHUTOFF']]);
    const byName = (await nova(simulator.computeUrl(), `/servers?name=^${target.name}$`, token)).json as ServersPage;
    assert.deepEqual(byName.servers.map((server) => server.id), [target.serverId]);
    assert.deepEqual(((await nova(simulator.computeUrl(), '/servers?status=NAPPING', token, '2.37')).json as ServersPage).servers, []);
    const refused = await nova(simulator.computeUrl(), '/servers?status=NAPPING', token, '2.38');
    assert.deepEqual(refused.json, { badRequest: { code: 400, message: 'Invalid status value' } });
  });

  it('shows deleted servers with status DELETED only to a changes-since listing', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const gone = seeded[3];
    assert.ok(gone);
    simulator.servers.markDeleted(gone.serverId);
    const plain = (await nova(simulator.computeUrl(), `/servers/detail?name=^${gone.name}$`, token)).json as ServersPage;
    assert.deepEqual(plain.servers, []);
    const changes = (await nova(simulator.computeUrl(), `/servers/detail?changes-since=${since}&name=^${gone.name}$`, token)).json as ServersPage;
    assert.deepEqual(changes.servers.map((server) => [server.id, server.status]), [[gone.serverId, 'DELETED']]);
    assert.equal((await nova(simulator.computeUrl(), `/servers/${gone.serverId}`, token)).status, 404);
  });
});
