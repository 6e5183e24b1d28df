import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useHarness } from '../support/harness.js';
import { startOpenstackBridge, startOpenstackLab, type OpenstackBridge, type OpenstackLab } from '../support/openstack-lab.js';

// Invariant 3 on OpenStack, through the real pipeline (Redis + NATS JetStream): Nova's complete
// lists leave out servers that still exist; only Nova's own "gone" (404 itemNotFound) deletes.
const harness = useHarness();
const getRoute = 'GET /compute/v2.1/servers/{server_id}';
const listRoute = 'GET /compute/v2.1/servers/detail';
const managed = 20;
let lab: OpenstackLab;
let endpointCount = 0;

before(async () => {
  lab = await startOpenstackLab({ simulator: { maxLimit: 10 } });
});
after(() => lab.close());
beforeEach(() => lab.simulator.reset());

/** A fresh endpoint and bridge over `managed` servers (the last 3 in cell2), after a first poll that told DCM of all of them. */
async function baseline(): Promise<{ name: string; started: OpenstackBridge; servers: string[]; poll: (times?: number) => Promise<void>; statuses: () => Promise<string[]> }> {
  const name = `os-absence-${++endpointCount}`;
  const servers = [
    ...lab.simulator.seedDcmServers({ count: managed - 3, tagged: managed - 3 }),
    ...lab.simulator.seedDcmServers({ count: 3, tagged: 3, cell: 'cell2', firstInstanceNumber: managed - 2 }),
  ].map((server) => server.serverId);
  const started = await startOpenstackBridge(harness(), [lab.endpointInput({ name })], { adapter: { pageSize: 10 } });
  const poll = async (times = 1): Promise<void> => {
    for (let round = 0; round < times; round++) {
      const result = await started.bridge.runOnce();
      assert.ok(result.ok, JSON.stringify(result.endpoints[0]?.lastError));
    }
  };
  await poll();
  assert.equal((await started.events(name)).length, managed, 'the first poll told DCM of every server');
  const statuses = async (): Promise<string[]> => (await started.events(name)).slice(managed).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  return { name, started, servers, poll, statuses };
}

describe('OpenStack: absence is not deletion (0 false DELETED per awkward case)', () => {
  test('a down cell (partial record at 2.69): its servers stay as DCM knows them over many polls, and come back without an event', async () => {
    const { poll, statuses } = await baseline();
    lab.simulator.quirks.set({ downCells: ['cell2'] });
    lab.simulator.resetStats();
    await poll(5);
    assert.deepEqual(await statuses(), [], 'no DELETED, no other event');
    const gets = lab.simulator.stats().byRoute[getRoute];
    console.log(`down cell, 3 of ${managed} servers unreadable: 5 polls, ${gets} confirming GETs (asked from the 2nd missed list on, 3 per poll)`);
    assert.equal(gets, 3 * 4, 'asked again after every complete list while unknown');
    lab.simulator.quirks.set({ downCells: [] });
    await poll(2);
    assert.deepEqual(await statuses(), [], 'the cell back up: same states, nothing to publish');
  });

  test('a down cell on a Nova older than 2.69 (the GET answers 500): no DELETED either', async () => {
    const old = await startOpenstackLab({ simulator: { maxLimit: 10, maxMicroversion: '2.60' } });
    try {
      old.simulator.seedDcmServers({ count: 8, tagged: 8 });
      old.simulator.seedDcmServers({ count: 2, tagged: 2, cell: 'cell2', firstInstanceNumber: 9 });
      const name = 'os-absence-old';
      const { bridge, events } = await startOpenstackBridge(harness(), [old.endpointInput({ name })], { adapter: { pageSize: 10 } });
      assert.ok((await bridge.runOnce()).ok);
      old.simulator.quirks.set({ downCells: ['cell2'] });
      for (let round = 0; round < 4; round++) assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, 10, 'nothing after the first poll');
      assert.ok((old.simulator.stats().byRoute[getRoute] ?? 0) >= 6, 'the absent servers were asked about');
    } finally {
      await old.close();
    }
  });

  test('a full page without its next link (a proxy dropping servers_links): no server vanishes', async () => {
    const { poll, statuses } = await baseline();
    lab.simulator.quirks.set({ dropNextLink: { type: 'always' } });
    lab.simulator.resetStats();
    await poll(3);
    assert.deepEqual(await statuses(), []);
    assert.equal(lab.simulator.stats().byRoute[getRoute] ?? 0, 0, 'nothing was even absent: the adapter asked for the page after the full one');
    assert.equal(lab.simulator.stats().byRoute[listRoute], 3 * 3, 'pages of 10, 10 and the empty one, per poll');
  });

  test('servers returned without their tags: still reported, no DELETED', async () => {
    const { poll, statuses } = await baseline();
    lab.simulator.quirks.set({ omitListTags: { type: 'always' } });
    await poll(3);
    assert.deepEqual(await statuses(), []);
  });

  test('a page answered by a proxy (HTML with 200): the poll fails, nothing is published or deleted', async () => {
    const { started, poll, statuses } = await baseline();
    for (let round = 0; round < 3; round++) {
      lab.simulator.failListingPage(2, { kind: 'proxyAnswer', status: 200, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' });
      const result = await started.bridge.runOnce();
      assert.equal(result.ok, false);
      assert.equal(result.endpoints[0]?.lastError?.code, 'PLATFORM_PAYLOAD');
    }
    await poll(2);
    assert.deepEqual(await statuses(), []);
  });

  test('retagged (the managed-by tag removed): unmanaged, so no DELETED, and not asked about again', async () => {
    const { servers, poll, statuses } = await baseline();
    lab.simulator.servers.setTags(servers[0] ?? '', []);
    lab.simulator.resetStats();
    await poll(2);
    assert.equal(lab.simulator.stats().byRoute[getRoute], 1, 'asked once, at the second missed list');
    await poll(3);
    assert.equal(lab.simulator.stats().byRoute[getRoute], 1, 'no longer tracked: never asked again');
    assert.deepEqual(await statuses(), []);
  });

  test('soft-deleted: present (restorable) until Nova reclaims it; then exactly one DELETED', async () => {
    const { servers, poll, statuses } = await baseline();
    const victim = servers[1] ?? '';
    lab.simulator.servers.setState(victim, { vmState: 'soft-delete' });
    await poll(4);
    assert.deepEqual(await statuses(), [], 'SOFT_DELETED is restorable: no DELETED');
    lab.simulator.servers.markDeleted(victim);
    await poll(3);
    assert.deepEqual(await statuses(), ['inst-00002:DELETED']);
  });
});

describe('OpenStack: a real deletion still yields exactly one DELETED', () => {
  test('deleted (404 itemNotFound) during a down cell and a dropped link: one DELETED for it, none for the rest', async () => {
    const { started, name, servers, poll, statuses } = await baseline();
    lab.simulator.quirks.set({ downCells: ['cell2'], dropNextLink: { type: 'next', count: 1 } });
    lab.simulator.servers.markDeleted(servers[4] ?? '');
    await poll(2);
    assert.deepEqual(await statuses(), ['inst-00005:DELETED'], 'deleted at the second complete list without it');
    const deleted = (await started.events(name)).at(-1);
    assert.match(deleted?.event.data.message ?? '', /vm-00005 is gone.*\(GET \/servers\/\S+ answered 404 itemNotFound\)/);
    await poll(3);
    assert.deepEqual(await statuses(), ['inst-00005:DELETED'], 'never a second DELETED, and the down cell\'s servers stay');
  });
});

describe('OpenStack: absence checks that outlast the poll budget', () => {
  test('confirmations the poll time budget cuts short keep what Nova already answered: every deleted server reaches DCM over a few polls', async () => {
    // One page a poll, and a request budget of 2/s (burst 3) against a 2 s poll timeout: 10 deleted servers need
    // 10 confirming GETs, more than one poll can make. Each poll must keep the verdicts it got before the budget ran
    // out; before, the abort threw them all away and every poll asked the same 10 again: no DELETED, ever.
    const paged = await startOpenstackLab({ simulator: { maxLimit: 100 } });
    try {
      const servers = paged.simulator.seedDcmServers({ count: 60, tagged: 60 }).map((server) => server.serverId);
      const name = 'os-absence-budget';
      const started = await startOpenstackBridge(harness(), [paged.endpointInput({ name })], {
        adapter: { pageSize: 100 },
        scheduler: 'pollTimeoutSeconds: 2',
        extraYaml: 'rateLimits: { openstack: { requestsPerSecond: 2, burst: 3 } }',
      });
      const deletedStatuses = async (): Promise<string[]> =>
        (await started.events(name))
          .map((message) => `${message.event.data.id}:${message.event.data.status}`)
          .filter((status) => status.endsWith(':DELETED'))
          .sort();
      const first = await started.bridge.runOnce();
      assert.ok(first.ok, JSON.stringify(first.endpoints[0]?.lastError));
      assert.equal((await started.events(name)).length, 60);
      const victims = servers.slice(0, 10);
      for (const victim of victims) paged.simulator.servers.markDeleted(victim);
      const expected = victims.map((_, index) => `inst-${String(index + 1).padStart(5, '0')}:DELETED`).sort();
      let polls = 0;
      while ((await deletedStatuses()).length < expected.length && polls < 12) {
        const result = await started.bridge.runOnce();
        assert.ok(result.ok, `a poll cut short in its confirmations still completes: ${JSON.stringify(result.endpoints[0]?.lastError)}`);
        polls++;
      }
      console.log(`10 deleted servers, 2 GETs/s (burst 3), 2 s poll timeout: all DELETED after ${polls} polls`);
      assert.deepEqual(await deletedStatuses(), expected, `after ${polls} polls`);
      assert.ok(polls >= 3, `the budget covered the confirmations of more than one poll (${polls} polls): the test no longer cuts them short`);
      await started.bridge.runOnce();
      assert.deepEqual(await deletedStatuses(), expected, 'each exactly once');
    } finally {
      await paged.close();
    }
  });
});
