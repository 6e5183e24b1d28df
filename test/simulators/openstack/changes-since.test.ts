import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { call, issueToken, listAll, nova, passwordAuth, type ServersPage } from './support.js';

// Nova's `changes-since`/`changes-before` as nova/api/openstack/compute/servers.py `_get_servers` and
// nova/db/main/api.py `instance_get_all_by_filters_sort` implement them (sources cited in server-listing.ts,
// servers.ts and model.ts).
const start = Date.parse('2025-03-01T12:00:00Z');
let now = start;
const simulator = createOpenstackSimulator({ now: () => now, maxLimit: 1000, tokenTtlSeconds: 10 * 24 * 3600 });
let running: RunningServer;
let token: string;
const DETAIL_ROUTE = 'GET /compute/v2.1/servers/detail';

const iso = (milliseconds: number): string => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
const detail = async (query: string, microversion = '2.26'): Promise<ServersPage> => {
  const answer = await nova(simulator.computeUrl(), `/servers/detail?${query}`, token, microversion);
  assert.equal(answer.status, 200, answer.text);
  return answer.json as ServersPage;
};
const ids = (page: ServersPage): string[] => page.servers.map((server) => server.id).sort();
const updatedOf = (page: ServersPage, id: string | undefined): unknown => (page.servers.find((server) => server.id === id) as { updated?: unknown } | undefined)?.updated;

describe('Nova changes-since and changes-before', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());
  beforeEach(async () => {
    now = start;
    simulator.reset();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });

  it('lists only servers whose updated is at or after the time, deleted ones included with status DELETED and neither tags nor metadata', async () => {
    const [kept, changed, deleted] = simulator.seedDcmServers({ count: 3, tagged: 3 }).map((server) => server.serverId);
    now += 60_000;
    const since = iso(now);
    simulator.servers.setState(changed ?? '', { vmState: 'stopped' });
    simulator.servers.markDeleted(deleted ?? '');
    const page = await detail(`changes-since=${since}`);
    assert.deepEqual(ids(page), [changed, deleted].sort());
    const record = page.servers.find((server) => server.id === deleted);
    assert.equal(record?.status, 'DELETED');
    // instance_destroy deletes the tag rows and soft-deletes the metadata rows.
    assert.deepEqual(record?.tags, []);
    assert.deepEqual(record?.metadata, {});
    assert.ok(!ids(page).includes(kept ?? ''));
    // So the tag filter no longer finds the deleted server, even with changes-since.
    assert.deepEqual(ids(await detail(`changes-since=${since}&tags=managed-by%3Ddcm`)), [changed]);
    // The default list does not show it at all.
    assert.ok(!(await detail('tags=managed-by%3Ddcm')).servers.some((server) => server.id === deleted));
  });

  it('tag changes leave updated alone; state and metadata changes move it', async () => {
    const [tagged, stateChanged, metadataChanged] = simulator.seedDcmServers({ count: 3, tagged: 3 }).map((server) => server.serverId);
    now += 60_000;
    const since = iso(now);
    simulator.servers.removeTag(tagged ?? '', 'managed-by=dcm');
    simulator.servers.addTag(tagged ?? '', 'owner=ops');
    simulator.servers.setState(stateChanged ?? '', { taskState: 'powering-off' });
    simulator.servers.setMetadata(metadataChanged ?? '', { note: 'x' });
    assert.deepEqual(ids(await detail(`changes-since=${since}`)), [stateChanged, metadataChanged].sort());
    assert.equal(updatedOf(await detail(''), tagged), iso(start));
  });

  it('shows soft-deleted servers (hidden from the default list) and every server of the project, tagged or not', async () => {
    const [soft, untagged] = simulator.seedDcmServers({ count: 2, tagged: 1 }).map((server) => server.serverId);
    now += 1000;
    simulator.servers.setState(soft ?? '', { vmState: 'soft-delete' });
    simulator.servers.rename(untagged ?? '', 'renamed');
    const page = await detail(`changes-since=${iso(now)}`);
    assert.deepEqual(ids(page), [soft, untagged].sort());
    assert.equal(page.servers.find((server) => server.id === soft)?.status, 'SOFT_DELETED');
    assert.deepEqual(ids(await detail('')), [untagged]);
  });

  it('compares whole seconds of the database: updated is rounded, the parameter may carry a fraction or a zone, no zone means UTC', async () => {
    const [server] = simulator.seedDcmServers({ count: 1, tagged: 1 }).map((seeded) => seeded.serverId);
    now = start + 10_600; // stored as 12:00:11 (MySQL rounds the fraction)
    simulator.servers.setState(server ?? '', { vmState: 'stopped' });
    const listed = await detail('changes-since=2025-03-01T12:00:11Z');
    assert.deepEqual(ids(listed), [server]);
    assert.equal(updatedOf(listed, server), '2025-03-01T12:00:11Z');
    assert.deepEqual(ids(await detail('changes-since=2025-03-01T12:00:11.5Z')), []);
    assert.deepEqual(ids(await detail('changes-since=2025-03-01T12:00:11')), [server]);
    assert.deepEqual(ids(await detail(`changes-since=${encodeURIComponent('2025-03-01T13:00:11+01:00')}`)), [server]);
    assert.deepEqual(ids(await detail(`changes-since=${encodeURIComponent('2025-03-01T13:00:12+01:00')}`)), []);
  });

  it('a time in the future is an empty list, not an error; a malformed one is 400 naming the parameter', async () => {
    simulator.seedDcmServers({ count: 2, tagged: 2 });
    assert.deepEqual((await detail('changes-since=2030-01-01T00:00:00Z')).servers, []);
    const bad = await nova(simulator.computeUrl(), '/servers/detail?changes-since=yesterday', token, '2.26');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Invalid input for query parameters changes-since\. Value: yesterday\. 'yesterday' is not a 'date-time'/);
  });

  it('changes-before from 2.66 (at or before the time), ignored below it; changes-since after changes-before is 400', async () => {
    const [early, late] = simulator.seedDcmServers({ count: 2, tagged: 2 }).map((server) => server.serverId);
    now += 10_000;
    simulator.servers.setState(early ?? '', { vmState: 'stopped' });
    const middle = iso(now);
    now += 10_000;
    simulator.servers.setState(late ?? '', { vmState: 'stopped' });
    const since = iso(start + 1000);
    assert.deepEqual(ids(await detail(`changes-since=${since}&changes-before=${middle}`, '2.66')), [early]);
    assert.deepEqual(ids(await detail(`changes-before=${middle}`, '2.66')), [early]);
    assert.deepEqual(ids(await detail(`changes-since=${since}&changes-before=${middle}`, '2.65')), [early, late].sort());
    const inverted = await nova(simulator.computeUrl(), `/servers/detail?changes-since=${middle}&changes-before=${since}`, token, '2.66');
    assert.equal(inverted.status, 400);
    assert.match(inverted.text, /The value of changes-since must be less than or equal to changes-before\./);
  });

  it('pages changes by marker, newest created first, the next link keeping changes-since; counted per route', async () => {
    const seeded = simulator.seedDcmServers({ count: 3000, tagged: 2000 });
    now += 5000;
    const changed = seeded.slice(0, 2500).map((server) => server.serverId);
    changed.forEach((id) => simulator.servers.setState(id, { vmState: 'stopped' }));
    simulator.resetStats();
    const since = iso(now);
    const { servers, pages } = await listAll(`${simulator.computeUrl()}/servers/detail?changes-since=${since}`, token, '2.26');
    assert.deepEqual(pages.map((page) => page.servers.length), [1000, 1000, 500]);
    assert.deepEqual(servers.map((server) => server.id).sort(), [...changed].sort());
    assert.match(pages[0]?.servers_links?.[0]?.href ?? '', new RegExp(`changes-since=${encodeURIComponent(since)}`));
    assert.equal(simulator.stats().byRoute[DETAIL_ROUTE], 3);
  });

  it('answers with a Date header from its own clock, which a client reads as Nova\'s time', async () => {
    now = Date.parse('2025-03-01T12:34:56.789Z');
    const answer = await nova(simulator.computeUrl(), '/servers/detail', token, '2.26');
    assert.equal(answer.headers.get('date'), 'Sat, 01 Mar 2025 12:34:56 GMT');
  });

  it('deleted records stay visible for deletedRetentionSeconds, then are archived: gone from changes-since, and a marker naming one is 400', async () => {
    simulator.setDeletedRetention(3600);
    const [first, second] = simulator.seedDcmServers({ count: 2, tagged: 2 }).map((server) => server.serverId);
    simulator.servers.markDeleted(first ?? '');
    now += 1800_000;
    simulator.servers.markDeleted(second ?? '');
    const since = iso(start);
    assert.deepEqual(ids(await detail(`changes-since=${since}`)), [first, second].sort());
    now += 1800_000 + 1000;
    assert.deepEqual(ids(await detail(`changes-since=${since}`)), [second]);
    const marker = await nova(simulator.computeUrl(), `/servers/detail?changes-since=${since}&marker=${first ?? ''}`, token, '2.26');
    assert.equal(marker.status, 400);
    assert.match(marker.text, /marker \[.*\] not found/);
    // Over the control API too: null keeps them until purged by hand.
    const set = await call(running.url, '/_sim/retention', { json: { deletedRetentionSeconds: null } });
    assert.deepEqual(set.json, { deletedRetentionSeconds: null });
    now += 10 * 3600_000;
    assert.deepEqual(ids(await detail(`changes-since=${since}`)), [second]);
  });

  it('a down cell\'s servers are left out of a changes-since list (a filtered list), or fail it with 500 when Nova is told not to skip', async () => {
    const [up] = simulator.seedDcmServers({ count: 1, tagged: 1 }).map((server) => server.serverId);
    const [down] = simulator.seedDcmServers({ count: 1, tagged: 1, cell: 'cell2', firstInstanceNumber: 2 }).map((server) => server.serverId);
    now += 1000;
    simulator.servers.setState(up ?? '', { vmState: 'stopped' });
    simulator.servers.setState(down ?? '', { vmState: 'stopped' });
    simulator.quirks.set({ downCells: ['cell2'] });
    assert.deepEqual(ids(await detail(`changes-since=${iso(now)}`, '2.69')), [up]);
    simulator.quirks.set({ listRecordsBySkippingDownCells: false });
    assert.equal((await nova(simulator.computeUrl(), `/servers/detail?changes-since=${iso(now)}`, token, '2.69')).status, 500);
  });
});
