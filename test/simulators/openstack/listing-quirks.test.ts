import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { call, issueToken, nova, passwordAuth, type ServersPage } from './support.js';

const simulator = createOpenstackSimulator({ maxLimit: 5 });
let running: RunningServer;
let token: string;
const firstPage = '/servers/detail?tags=managed-by%3Ddcm&limit=5';
const page = async (path: string): Promise<ServersPage> => (await nova(simulator.computeUrl(), path, token, '2.26')).json as ServersPage;

describe('Nova list answers that leave existing servers out', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());
  beforeEach(async () => {
    simulator.reset();
    simulator.seedDcmServers({ count: 12, tagged: 12 });
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });

  it('dropNextLink {next: 1}: one full page comes without servers_links; the page after its last id is still there', async () => {
    simulator.quirks.set({ dropNextLink: { type: 'next', count: 1 } });
    const dropped = await page(firstPage);
    assert.equal(dropped.servers.length, 5);
    assert.equal(dropped.servers_links, undefined);
    assert.deepEqual(simulator.quirks.settings().dropNextLink, { type: 'off' }, 'spent');
    const after = await page(`${firstPage}&marker=${dropped.servers.at(-1)?.id ?? ''}`);
    assert.equal(after.servers.length, 5);
    assert.equal(after.servers_links?.length, 1, 'later pages are linked again');
  });

  it('dropNextLink always: every full page loses its link; the short last page never had one', async () => {
    simulator.quirks.set({ dropNextLink: { type: 'always' } });
    const first = await page(firstPage);
    const second = await page(`${firstPage}&marker=${first.servers.at(-1)?.id ?? ''}`);
    const third = await page(`${firstPage}&marker=${second.servers.at(-1)?.id ?? ''}`);
    assert.deepEqual([first, second, third].map((answer) => [answer.servers.length, answer.servers_links]), [
      [5, undefined],
      [5, undefined],
      [2, undefined],
    ]);
    assert.deepEqual(simulator.quirks.settings().dropNextLink, { type: 'always' });
  });

  it('omitListTags {next: 1}: the servers of one answer lack tags (the tag filter still applied); GET by id keeps them', async () => {
    simulator.servers.add({ name: 'not-dcm' });
    simulator.quirks.set({ omitListTags: { type: 'next', count: 1 } });
    const bare = await page(firstPage);
    assert.equal(bare.servers.length, 5);
    assert.ok(bare.servers.every((server) => !('tags' in server) && server.metadata?.['dcm-instance-id'] !== undefined));
    const id = bare.servers[0]?.id ?? '';
    const single = (await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.26')).json as { server: { tags: string[] } };
    assert.deepEqual(single.server.tags, ['managed-by=dcm']);
    assert.ok((await page(firstPage)).servers.every((server) => Array.isArray(server.tags)), 'next answer is whole');
  });

  it('a SOFT_DELETED server leaves the default list, shows in changes-since, and GET by id still shows it', async () => {
    const [victim] = (await page(firstPage)).servers;
    const id = victim?.id ?? '';
    simulator.servers.setState(id, { vmState: 'soft-delete' });
    const all: string[] = [];
    for (let marker: string | undefined, seen = 0; seen < 5; seen++) {
      const current = await page(`${firstPage}${marker === undefined ? '' : `&marker=${marker}`}`);
      all.push(...current.servers.map((server) => server.id));
      marker = current.servers.at(-1)?.id;
      if (current.servers_links === undefined) break;
    }
    assert.equal(all.length, 11);
    assert.ok(!all.includes(id));
    const since = await page('/servers/detail?changes-since=2000-01-01T00:00:00Z&limit=1000');
    assert.equal(since.servers.find((server) => server.id === id)?.status, 'SOFT_DELETED');
    const single = await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.26');
    assert.equal((single.json as { server: { status: string } }).server.status, 'SOFT_DELETED');
  });

  it('a proxyAnswer listing fault answers page 2 in place of Nova (HTML with 200), once; over /_sim/ too', async () => {
    const posted = await call(running.url, '/_sim/listing-faults', { json: { page: 2, action: { kind: 'proxyAnswer', status: 200, contentType: 'text/html', body: '<html>gateway</html>' } } });
    assert.equal(posted.status, 201);
    const first = await page(firstPage);
    // Not `call`: it parses every body as JSON.
    const proxied = await fetch(`${simulator.computeUrl()}${firstPage}&marker=${first.servers.at(-1)?.id ?? ''}`, { headers: { 'x-auth-token': token, 'openstack-api-version': 'compute 2.26' } });
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers.get('content-type'), 'text/html');
    assert.equal(await proxied.text(), '<html>gateway</html>');
    const again = await nova(simulator.computeUrl(), `${firstPage}&marker=${first.servers.at(-1)?.id ?? ''}`, token, '2.26');
    assert.equal((again.json as ServersPage).servers.length, 5, 'only once');
  });

  it('quirk switches over /_sim/: dropNextLink and omitListTags with triggers; bad triggers refused', async () => {
    const set = await call(running.url, '/_sim/quirks', { json: { dropNextLink: { type: 'next', count: 2 }, omitListTags: { type: 'always' } } });
    assert.equal(set.status, 200);
    assert.deepEqual((set.json as { dropNextLink: unknown }).dropNextLink, { type: 'next', count: 2 });
    const answer = await page(firstPage);
    assert.equal(answer.servers_links, undefined);
    assert.ok(answer.servers.every((server) => !('tags' in server)));
    assert.equal((await call(running.url, '/_sim/quirks', { json: { dropNextLink: { type: 'next', count: 0 } } })).status, 400);
    simulator.reset();
    assert.deepEqual(simulator.quirks.settings().omitListTags, { type: 'off' }, 'reset returns to the options');
  });
});
