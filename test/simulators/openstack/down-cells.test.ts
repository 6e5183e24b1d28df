import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { describeShapeDifferences, type RunningServer } from '../common/index.js';
import { createOpenstackSimulator, UNEXPECTED_API_ERROR } from './index.js';
import { call, issueToken, nova, passwordAuth, readOpenstackFixture } from './support.js';

// Cells v2 down cells as the api-guide "Handling Down Cells" page and nova/compute/api.py describe them.
const simulator = createOpenstackSimulator({ maxMicroversion: '2.79' });
let running: RunningServer;
let token: string;
let upIds: string[];
let downIds: string[];

interface Page {
  servers: Record<string, unknown>[];
  servers_links?: unknown[];
}
const list = async (path: string, microversion: string): Promise<{ status: number; page: Page; body: unknown }> => {
  const answer = await nova(simulator.computeUrl(), path, token, microversion);
  return { status: answer.status, page: answer.json as Page, body: answer.json };
};
const ids = (page: Page): string[] => page.servers.map((server) => server.id as string);

describe('Nova down cells: what lists and GETs show, by microversion', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());
  beforeEach(async () => {
    simulator.reset();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    upIds = simulator.seedDcmServers({ count: 4, tagged: 4 }).map((server) => server.serverId);
    downIds = simulator.seedDcmServers({ count: 3, tagged: 3, cell: 'cell2', firstInstanceNumber: 10 }).map((server) => server.serverId);
    simulator.quirks.set({ downCells: ['cell2'] });
  });

  it('below 2.69 every list silently leaves the down cell out', async () => {
    for (const path of ['/servers/detail', '/servers/detail?tags=managed-by%3Ddcm', '/servers/detail?limit=1000', '/servers']) {
      const { status, page } = await list(path, '2.68');
      assert.equal(status, 200, path);
      assert.deepEqual(ids(page).sort(), [...upIds].sort(), path);
    }
  });

  it('from 2.69 an unfiltered, unpaged list shows the down cell first, as partial records shaped like the reference samples', async () => {
    const detail = await list('/servers/detail', '2.69');
    assert.deepEqual(ids(detail.page).slice(0, 3).sort(), [...downIds].sort(), 'partial records come first');
    assert.deepEqual(ids(detail.page).slice(3).sort(), [...upIds].sort());
    const partial = detail.page.servers[0] ?? {};
    assert.equal(partial.status, 'UNKNOWN');
    assert.deepEqual(Object.keys(partial).sort(), ['created', 'id', 'links', 'status', 'tenant_id'], 'no name, metadata or tags');
    assert.deepEqual(describeShapeDifferences({ servers: [partial] }, readOpenstackFixture('nova-v2.69-down-cell-servers-details-resp.json')), []);

    const summary = await list('/servers', '2.69');
    assert.deepEqual(describeShapeDifferences({ servers: [summary.page.servers[0]] }, readOpenstackFixture('nova-v2.69-down-cell-servers-list-resp.json')), []);
    assert.equal(summary.page.servers.length, 7);
  });

  it('from 2.69 a filtered or paged list (tags, limit, marker) still leaves the down cell out, as our listing asks', async () => {
    for (const path of ['/servers/detail?tags=managed-by%3Ddcm', '/servers/detail?limit=50', `/servers/detail?marker=${upIds[3] ?? ''}`, '/servers/detail?tags=managed-by%3Ddcm&limit=1000']) {
      const { status, page } = await list(path, '2.79');
      assert.equal(status, 200, path);
      assert.ok(ids(page).every((id) => !downIds.includes(id)), `${path}: no down-cell server`);
      assert.ok(page.servers.every((server) => server.status !== 'UNKNOWN'), path);
    }
  });

  it('with list_records_by_skipping_down_cells = False a list that cannot show partial records fails with 500', async () => {
    simulator.quirks.set({ listRecordsBySkippingDownCells: false });
    const filtered = await list('/servers/detail?tags=managed-by%3Ddcm&limit=1000', '2.79');
    assert.equal(filtered.status, 500);
    assert.deepEqual(filtered.body, { computeFault: { code: 500, message: `${UNEXPECTED_API_ERROR}\n<class 'nova.exception.NovaException'>` } });
    assert.equal((await list('/servers/detail', '2.68')).status, 500);
    assert.equal((await list('/servers/detail', '2.69')).status, 200, 'the option is ignored where partial records can be shown');
  });

  it('GET /servers/{id}: 500 below 2.69, a partial record from 2.69 (server_groups from 2.71), 404 when soft-deleted', async () => {
    const id = downIds[0] ?? '';
    const old = await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.68');
    assert.equal(old.status, 500);
    assert.match(JSON.stringify(old.json), /computeFault.*Unexpected API Error/);

    const partial = await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.69');
    assert.equal(partial.status, 200);
    const server = (partial.json as { server: Record<string, unknown> }).server;
    assert.equal(server.status, 'UNKNOWN');
    assert.equal(server.tags, undefined, 'a partial record has no tags');
    assert.deepEqual(describeShapeDifferences(partial.json, readOpenstackFixture('nova-v2.69-down-cell-server-get-resp.json')), []);
    const newer = (await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.71')).json as { server: Record<string, unknown> };
    assert.deepEqual(newer.server.server_groups, []);

    simulator.quirks.set({ downCells: [] });
    simulator.servers.setState(id, { vmState: 'soft-delete' });
    simulator.quirks.set({ downCells: ['cell2'] });
    assert.equal((await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.69')).status, 404, 'queued for delete: treated as deleted');
  });

  it('a cell coming back up shows its servers again, whole', async () => {
    simulator.quirks.set({ downCells: [] });
    const { page } = await list('/servers/detail?tags=managed-by%3Ddcm', '2.26');
    assert.equal(page.servers.length, 7);
    assert.ok(page.servers.every((server) => Array.isArray(server.tags) && server.status === 'ACTIVE'));
  });

  it('is driven over /_sim/: quirks (down cells, skipping) and the cell of a server', async () => {
    await call(running.url, '/_sim/quirks', { method: 'DELETE' });
    assert.deepEqual((await call(running.url, '/_sim/quirks')).json, { downCells: [], listRecordsBySkippingDownCells: true, dropNextLink: { type: 'off' }, omitListTags: { type: 'off' } });
    const moved = await call(running.url, `/_sim/servers/${upIds[0] ?? ''}/cell`, { method: 'PUT', json: { cell: 'cell3' } });
    assert.equal((moved.json as { cell: string }).cell, 'cell3');
    const set = await call(running.url, '/_sim/quirks', { json: { downCells: ['cell3'] } });
    assert.deepEqual((set.json as { downCells: string[] }).downCells, ['cell3']);
    assert.equal((await nova(simulator.computeUrl(), `/servers/${upIds[0] ?? ''}`, token, '2.26')).status, 500);
    const refused = await call(running.url, '/_sim/quirks', { json: { downcells: ['x'] } });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /unknown quirk downcells/);
  });
});
