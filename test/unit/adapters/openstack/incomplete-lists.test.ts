import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformConnection } from '../../../../src/adapter/index.js';
import { ErrorCode, type BridgeError } from '../../../../src/errors/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';
import { fakeServer, startFakeCloud, type FakeNovaReply } from '../../../support/openstack-fake-cloud.js';

const listRoute = 'GET /compute/v2.1/servers/detail';
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { maxLimit: 10 } });
});
after(() => lab.close());
beforeEach(() => lab.simulator.reset());

/** Runs a listing that must fail; returns its error and how many pages it yielded first. */
async function failedListing(connection: PlatformConnection): Promise<{ error: BridgeError; pages: number }> {
  let pages = 0;
  try {
    for await (const _page of connection.list(new AbortController().signal)) pages++;
  } catch (error) {
    return { error: error as BridgeError, pages };
  }
  return assert.fail(`the listing ended normally after ${pages} pages`);
}

describe('lists that leave existing servers out: the adapter does not trust them', () => {
  test('a full page without its next link: the page after its last server is asked for; nothing is lost', async () => {
    lab.simulator.seedDcmServers({ count: 25, tagged: 25 });
    lab.simulator.quirks.set({ dropNextLink: { type: 'always' } });
    const { connection, logLines } = connectOpenstack(lab.endpointInput(), { pageSize: 10 });
    const { instances } = await listServers(connection);
    assert.equal(instances.length, 25);
    assert.equal(lab.simulator.stats().byRoute[listRoute], 3, 'pages of 10, 10 and 5: the two probes are the pages Nova would have linked');
    assert.equal(logLines.filter((line) => line.includes('a full page came without its next link')).length, 2);

    lab.simulator.reset();
    lab.simulator.seedDcmServers({ count: 20, tagged: 20 });
    lab.simulator.quirks.set({ dropNextLink: { type: 'next', count: 1 } });
    const exact = connectOpenstack(lab.endpointInput(), { pageSize: 10 });
    assert.equal((await listServers(exact.connection)).instances.length, 20);
    assert.equal(lab.simulator.stats().byRoute[listRoute], 3, 'a full last page costs one more request (an empty page), with or without its link');
    await Promise.all([connection.close(), exact.connection.close()]);
  });

  test('Nova clamping the page below the asked limit: the clamp is learnt from a linked page, then a dropped link on a page of that size is caught', async () => {
    lab.simulator.seedDcmServers({ count: 25, tagged: 25 });
    const { connection } = connectOpenstack(lab.endpointInput(), { pageSize: 1000 });
    assert.equal((await listServers(connection)).instances.length, 25, 'max_limit 10: three linked pages');
    lab.simulator.quirks.set({ dropNextLink: { type: 'next', count: 1 } });
    assert.equal((await listServers(connection)).instances.length, 25, 'page 1 (10 of limit 1000) without a link is still followed');
    await connection.close();
  });

  test('servers whose tags the answer left out are yielded (the filter ran in Nova), with their metadata id', async () => {
    const seeded = lab.simulator.seedDcmServers({ count: 6, tagged: 6 });
    lab.simulator.quirks.set({ omitListTags: { type: 'always' } });
    const { connection, logLines } = connectOpenstack(lab.endpointInput(), { pageSize: 10 });
    const { instances } = await listServers(connection);
    assert.deepEqual(instances.map((instance) => instance.instanceId).sort(), seeded.map((server) => server.instanceId).sort());
    assert.ok(instances.every((instance) => instance.rawState === 'ACTIVE' && instance.stateUnavailable === undefined));
    assert.ok(logLines.some((line) => line.includes('"tagsMissing":6')));
    await connection.close();
  });

  test('a down cell: the tag-filtered list completes without its servers (Nova skips them, as documented); confirmAbsence says unknown', async () => {
    lab.simulator.seedDcmServers({ count: 4, tagged: 4 });
    const down = lab.simulator.seedDcmServers({ count: 3, tagged: 3, cell: 'cell2', firstInstanceNumber: 10 }).map((server) => server.serverId);
    lab.simulator.quirks.set({ downCells: ['cell2'] });
    const { connection } = connectOpenstack(lab.endpointInput(), { pageSize: 10 });
    assert.equal((await listServers(connection)).instances.length, 4);
    const findings = await connection.confirmAbsence(down, new AbortController().signal);
    assert.deepEqual([...findings.values()].map((finding) => finding.verdict), ['unknown', 'unknown', 'unknown']);

    lab.simulator.quirks.set({ listRecordsBySkippingDownCells: false });
    const { error } = await failedListing(connection);
    assert.equal(error.code, ErrorCode.PlatformHttp);
    assert.match(error.message, /servers\/detail answered HTTP 500 \(computeFault: Unexpected API Error/);
    await connection.close();
  });

  test('a partial record in a list (a Nova that shows one despite the filter): yielded with stateUnavailable, never a state', async () => {
    const cloud = await startFakeCloud((_url, reply) => reply.json({ servers: [{ id: 'down-1', status: 'UNKNOWN', tenant_id: 'p', created: '2026-01-01T00:00:00Z', links: [] }, fakeServer('up-1')] }, { headers: { 'openstack-api-version': 'compute 2.69' } }));
    try {
      const { connection } = connectOpenstack(lab.endpointInput({ url: `${cloud.url}/v3` }));
      const { instances } = await listServers(connection);
      assert.deepEqual(instances[0], { platformId: 'down-1', instanceId: undefined, rawState: undefined, stateUnavailable: 'Nova answers a partial record (status UNKNOWN): the cell holding the server is down' });
      assert.equal(instances[1]?.rawState, 'ACTIVE');
      await connection.close();
    } finally {
      await cloud.close();
    }
  });
});

describe('a page that is not the documented answer fails the whole listing, naming the problem', () => {
  const proxyCases = [
    { label: 'an HTML page with 200', answer: { status: 200, contentType: 'text/html; charset=utf-8', body: '<!DOCTYPE html><html><body>Bad gateway</body></html>' }, message: /GET \/compute\/v2\.1\/servers\/detail answered HTTP 200 with a body that is not valid JSON/, code: ErrorCode.PlatformPayload },
    { label: 'an empty 200', answer: { status: 200, contentType: 'application/json', body: '' }, message: /page 2 of GET \/servers\/detail came with an empty body \(HTTP 200\), not a servers list/, code: ErrorCode.PlatformPayload },
    { label: 'JSON under text/plain', answer: { status: 200, contentType: 'text/plain', body: '{"servers": []}' }, message: /page 2 of GET \/servers\/detail came as text\/plain, not application\/json/, code: ErrorCode.PlatformPayload },
    { label: 'another document', answer: { status: 200, contentType: 'application/json', body: '{"server": {"id": "x"}}' }, message: /page 2 of GET \/servers\/detail has no "servers" list/, code: ErrorCode.PlatformPayload },
  ];
  for (const { label, answer, message, code } of proxyCases) {
    test(`page 2 answered by a proxy: ${label}`, async () => {
      lab.simulator.seedDcmServers({ count: 25, tagged: 25 });
      lab.simulator.failListingPage(2, { kind: 'proxyAnswer', ...answer });
      const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-proxy' }), { pageSize: 10 });
      const { error, pages } = await failedListing(connection);
      assert.equal(error.code, code);
      assert.match(error.message, /^openstack endpoint os-proxy: /);
      assert.match(error.message, message);
      assert.equal(pages, 1, 'page 1 was yielded, then the listing threw instead of ending');
      await connection.close();
    });
  }

  const bodyCases: { label: string; respond: (reply: FakeNovaReply) => void; message: RegExp }[] = [
    { label: 'a server without a status', respond: (reply) => reply.json({ servers: [fakeServer('a'), fakeServer('b', { status: undefined })] }), message: /returned server b without a status \(entry 1 of the page\)/ },
    { label: 'servers_links that is not a list', respond: (reply) => reply.json({ servers: [fakeServer('a')], servers_links: { rel: 'next' } }), message: /page 1 of GET \/servers\/detail has a "servers_links" that is not a list/ },
    { label: 'no content type', respond: (reply) => reply.raw(200, { 'openstack-api-version': 'compute 2.26' }, '{"servers": []}'), message: /came without a content type \(Nova answers application\/json\)/ },
  ];
  for (const { label, respond, message } of bodyCases) {
    test(label, async () => {
      const cloud = await startFakeCloud((_url, reply) => respond(reply));
      try {
        const { connection } = connectOpenstack(lab.endpointInput({ url: `${cloud.url}/v3` }));
        const { error } = await failedListing(connection);
        assert.equal(error.code, ErrorCode.PlatformPayload);
        assert.match(error.message, message);
        await connection.close();
      } finally {
        await cloud.close();
      }
    });
  }
});
