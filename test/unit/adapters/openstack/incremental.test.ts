import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangePage, ListingEnd, PlatformConnection, RawInstance } from '../../../../src/adapter/index.js';
import { createFakeClock } from '../../../support/fake-clock.js';
import { ErrorCode } from '../../../../src/errors/index.js';
import { defaultChangesSinceMarginSeconds } from '../../../../adapters/openstack/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';
import { fakeServer, startFakeCloud } from '../../../support/openstack-fake-cloud.js';

const listRoute = 'GET /compute/v2.1/servers/detail';
const never = new AbortController().signal;
const start = Date.parse('2025-06-01T08:00:00Z');
let now = start;
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { now: () => now, maxLimit: 1000, tokenTtlSeconds: 30 * 24 * 3600 } });
});
after(() => lab.close());
beforeEach(() => {
  now = start;
  lab.simulator.reset();
});

const iso = (milliseconds: number): string => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Drained {
  readonly instances: RawInstance[];
  readonly deleted: ChangePage['deleted'][number][];
  readonly departed: string[];
  readonly cursor: string | undefined;
}

/** Runs one `listChanges` to its end. */
async function drain(connection: PlatformConnection, cursor: string | undefined): Promise<Drained> {
  const listing = connection.listChanges?.(cursor, never);
  assert.ok(listing, 'the OpenStack connection offers listChanges');
  const drained: Drained = { instances: [], deleted: [], departed: [], cursor: undefined };
  for (;;) {
    const step = await listing.next();
    if (step.done === true) return { ...drained, cursor: (step.value as ListingEnd).cursor };
    drained.instances.push(...step.value.instances);
    drained.deleted.push(...step.value.deleted);
    drained.departed.push(...step.value.departed);
  }
}

function seed(count: number, tagged = count): string[] {
  return lab.simulator.seedDcmServers({ count, tagged }).map((server) => server.serverId);
}

/** Seeds, then lets Nova's clock run past the margin, so the seeding itself is no change to the first cursor. */
function seedSettled(count: number, tagged = count): string[] {
  const ids = seed(count, tagged);
  now += 600_000;
  return ids;
}

const requestsNow = (): number => lab.simulator.stats().total;

describe('listChanges on Nova (changes-since)', () => {
  test('100,000 managed servers, 10 changed and 1 deleted between polls: the steady incremental listing costs 1 request and yields exactly those; the deletion shows once per listing that covers it', async () => {
    const ids = seed(100_000);
    now += 600_000;
    const { connection, logLines } = connectOpenstack(lab.endpointInput());
    const fullStarted = performance.now();
    const full = await drain(connection, undefined);
    const fullMs = performance.now() - fullStarted;
    const fullRequests = requestsNow();
    assert.equal(full.instances.length, 100_000);
    assert.deepEqual([full.deleted.length, full.departed.length], [0, 0]);
    // Nova's clock at the first answer (its Date), minus the margin.
    assert.equal(full.cursor, iso(now - defaultChangesSinceMarginSeconds * 1000));

    now += 30_000;
    const changed = [0, 7, 999, 1000, 25_000, 50_001, 77_777, 99_000, 99_998, 99_999].map((index) => ids[index] ?? '');
    changed.forEach((id, index) => lab.simulator.servers.setState(id, index % 2 === 0 ? { vmState: 'stopped' } : { taskState: 'powering-off' }));
    const gone = ids[12_345] ?? '';
    lab.simulator.servers.markDeleted(gone);
    lab.simulator.resetStats();
    const steadyStarted = performance.now();
    const first = await drain(connection, full.cursor);
    const steadyMs = performance.now() - steadyStarted;
    const steady = lab.simulator.stats();
    console.log(`100,000 managed servers: full listing ${fullRequests} requests (${fullMs.toFixed(0)} ms), steady incremental with 10 changes + 1 deletion ${steady.total} request(s) (${steadyMs.toFixed(0)} ms)`);
    assert.ok(steady.total <= 2, `at most 2 requests, got ${steady.total}`);
    assert.equal(steady.total, 1);
    assert.equal(steady.byRoute[listRoute], 1);
    assert.deepEqual(first.instances.map((instance) => instance.platformId).sort(), [...changed].sort());
    assert.deepEqual(
      first.instances.map((instance) => instance.rawState),
      first.instances.map((instance) => (changed.indexOf(instance.platformId) % 2 === 0 ? 'SHUTOFF' : 'task:powering-off')),
    );
    assert.ok(first.instances.every((instance) => instance.instanceId?.startsWith('inst-')));
    assert.deepEqual(first.deleted.map((entry) => entry.platformId), [gone]);
    assert.match(first.deleted[0]?.evidence ?? '', /status DELETED/);
    assert.deepEqual(first.departed, []);
    assert.equal(first.cursor, iso(now - defaultChangesSinceMarginSeconds * 1000));

    // 30 s later nothing changed: the margin repeats the last changes (the core diffs them away), the deletion once more.
    now += 30_000;
    const repeat = await drain(connection, first.cursor);
    assert.equal(repeat.instances.length, 10);
    assert.deepEqual(repeat.deleted.map((entry) => entry.platformId), [gone]);
    // Once the margin has passed, a quiet estate lists nothing, and the cursor still moves with Nova's clock.
    now += 120_000;
    const afterMargin = await drain(connection, (await drain(connection, repeat.cursor)).cursor);
    assert.deepEqual([afterMargin.instances.length, afterMargin.deleted.length, afterMargin.departed.length], [0, 0, 0]);
    assert.equal(afterMargin.cursor, iso(now - defaultChangesSinceMarginSeconds * 1000));
    assert.equal(lab.simulator.tokenCounters().issued, 1, 'one token for the whole run');
    assert.ok(!logLines.some((line) => line.includes('"level":50')), 'no error logged');
    await connection.close();
  });

  test('a full listing through listChanges(undefined) yields exactly what list() yields, with no deletions or departures', async () => {
    seed(2600, 2500);
    const { connection } = connectOpenstack(lab.endpointInput());
    const full = await drain(connection, undefined);
    const listed = await listServers(connection);
    assert.deepEqual(full.instances, listed.instances);
    assert.deepEqual([full.deleted, full.departed], [[], []]);
    assert.equal(typeof full.cursor, 'string');
    await connection.close();
  });

  test('the incremental listing asks without the tags filter (a deleted server has no tags left) and pages by marker: 2,500 changes of which 500 unmanaged → 3 requests; unmanaged ones are departed, for the core to filter', async () => {
    const ids = seedSettled(3000, 2000);
    const { connection } = connectOpenstack(lab.endpointInput());
    const cursor = (await drain(connection, undefined)).cursor;
    now += 120_000;
    ids.slice(0, 2500).forEach((id) => lab.simulator.servers.setState(id, { vmState: 'stopped' }));
    lab.simulator.resetStats();
    const changes = await drain(connection, cursor);
    assert.equal(lab.simulator.stats().byRoute[listRoute], 3);
    assert.deepEqual(changes.instances.map((instance) => instance.platformId).sort(), ids.slice(0, 2000).sort());
    assert.deepEqual([...changes.departed].sort(), ids.slice(2000, 2500).sort());
    await connection.close();
  });

  test('retagged: the managed-by tag removed does not move updated (caught by the next full list); with any later change the server is departed', async () => {
    const [retagged, taggedLater] = seedSettled(2, 1);
    const { connection } = connectOpenstack(lab.endpointInput());
    const cursor = (await drain(connection, undefined)).cursor;
    now += 120_000;
    lab.simulator.servers.setTags(retagged ?? '', ['owner=ops']);
    lab.simulator.servers.setTags(taggedLater ?? '', ['managed-by=dcm']);
    lab.simulator.servers.setMetadata(taggedLater ?? '', { 'dcm-instance-id': 'inst-00002' });
    const quiet = await drain(connection, cursor);
    // The metadata change moved the newly tagged server's updated: it is caught; the bare retagging is not.
    assert.deepEqual(quiet.instances.map((instance) => [instance.platformId, instance.instanceId]), [[taggedLater, 'inst-00002']]);
    assert.deepEqual(quiet.departed, []);
    lab.simulator.servers.setState(retagged ?? '', { vmState: 'stopped' });
    const later = await drain(connection, cursor);
    assert.deepEqual(later.departed, [retagged]);
    await connection.close();
  });

  test('a soft-deleted server is listed as an instance (SOFT_DELETED, restorable), its reclaim as a deletion', async () => {
    const [server] = seedSettled(1);
    const { connection } = connectOpenstack(lab.endpointInput());
    const cursor = (await drain(connection, undefined)).cursor;
    now += 120_000;
    lab.simulator.servers.setState(server ?? '', { vmState: 'soft-delete' });
    const soft = await drain(connection, cursor);
    assert.deepEqual(soft.instances.map((instance) => instance.rawState), ['SOFT_DELETED']);
    now += 120_000;
    lab.simulator.servers.markDeleted(server ?? '');
    const reclaimed = await drain(connection, soft.cursor);
    assert.deepEqual([reclaimed.instances.length, reclaimed.deleted.map((entry) => entry.platformId)], [0, [server]]);
    await connection.close();
  });
});

describe('cursors Nova no longer takes: CURSOR_REJECTED before anything is yielded', () => {
  async function rejection(connection: PlatformConnection, cursor: string): Promise<{ message: string; yielded: number }> {
    const listing = connection.listChanges?.(cursor, never);
    assert.ok(listing);
    let yielded = 0;
    try {
      for (;;) {
        const step = await listing.next();
        if (step.done === true) break;
        yielded++;
      }
    } catch (error) {
      assert.equal((error as { code?: string }).code, ErrorCode.CursorRejected);
      return { message: (error as Error).message, yielded };
    }
    assert.fail('the listing was not rejected');
  }

  test('older than changesSinceMaxAgeSeconds on Nova\'s clock (deleted records may be archived): rejected after one request, nothing yielded', async () => {
    seedSettled(5);
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-aged', extra: { changesSinceMaxAgeSeconds: 3600 } }));
    const cursor = (await drain(connection, undefined)).cursor ?? '';
    now += 3600_000 - 60_000;
    lab.simulator.servers.setState(seed(1)[0] ?? '', { vmState: 'stopped' });
    assert.equal((await drain(connection, cursor)).instances.length, 1, 'within the limit it is taken');
    now += 120_000;
    lab.simulator.resetStats();
    const { message, yielded } = await rejection(connection, cursor);
    assert.equal(yielded, 0);
    assert.match(message, /^openstack endpoint os-aged: the cursor \S+ is 3720 s old, more than changesSinceMaxAgeSeconds \(3600\)/);
    assert.equal(lab.simulator.stats().total, 1);
    await connection.close();
  });

  test('later than Nova\'s clock (its time went back, or the endpoint now reaches another cloud): rejected', async () => {
    seed(1);
    const { connection } = connectOpenstack(lab.endpointInput());
    const { message } = await rejection(connection, iso(now + 3600_000));
    assert.match(message, /is later than Nova's clock/);
    await connection.close();
  });

  test('malformed (not a cursor this adapter wrote): rejected without a request', async () => {
    const { connection } = connectOpenstack(lab.endpointInput());
    for (const cursor of ['', 'yesterday', '2025-06-01T08:00:00.000Z', '2025-06-01T08:00:00+02:00', 'vsphere-version-7']) {
      const { message } = await rejection(connection, cursor);
      assert.match(message, /is not a changes-since time this adapter wrote/);
    }
    assert.equal(lab.simulator.stats().total, 0);
    await connection.close();
  });

  test('changesSinceMaxAgeSeconds below 60 is refused at configuration, under its key', () => {
    assert.throws(
      () => connectOpenstack(lab.endpointInput({ extra: { changesSinceMaxAgeSeconds: 10 } })),
      (error: { code: string; message: string }) => error.code === ErrorCode.ConfigInvalid && /changesSinceMaxAgeSeconds/.test(error.message) && /at least 60/.test(error.message),
    );
  });
});

describe('answers an incremental listing cannot use', () => {
  test('servers without their tags (a proxy dropped them): on the first page CURSOR_REJECTED (the full listing trusts Nova\'s filter), on a later page PLATFORM_PAYLOAD', async () => {
    const ids = seedSettled(1500);
    const { connection } = connectOpenstack(lab.endpointInput({ name: 'os-notags' }));
    const cursor = (await drain(connection, undefined)).cursor;
    now += 120_000;
    ids.forEach((id) => lab.simulator.servers.setState(id, { vmState: 'stopped' }));
    lab.simulator.quirks.set({ omitListTags: { type: 'next', count: 1 } });
    await assert.rejects(drain(connection, cursor), (error: { code: string; message: string }) => {
      assert.equal(error.code, ErrorCode.CursorRejected);
      assert.match(error.message, /^openstack endpoint os-notags: server \S+ of a changes-since listing came without its tags \(entry 0 of page 1\)/);
      return true;
    });
    const pages: string[] = [];
    lab.simulator.quirks.set({ omitListTags: { type: 'off' } });
    const listing = connection.listChanges?.(cursor, never);
    const first = await listing?.next();
    pages.push(String(first?.done));
    lab.simulator.quirks.set({ omitListTags: { type: 'next', count: 1 } });
    await assert.rejects(listing?.next() ?? Promise.resolve(), (error: { code: string; message: string }) => {
      assert.equal(error.code, ErrorCode.PlatformPayload);
      assert.match(error.message, /of page 2\)/);
      return true;
    });
    assert.deepEqual(pages, ['false'], 'page 1 was yielded before page 2 failed');
    await connection.close();
  });

  test('an answer whose Date cannot be read: the cursor comes from the newest updated of the first page; a full listing returns none', async () => {
    const cloud = await startFakeCloud((url, reply) => {
      const headers = { 'openstack-api-version': 'compute 2.26', date: 'not a date' };
      const changed = url.searchParams.has('changes-since');
      reply.json({ servers: changed ? [fakeServer('a', { updated: '2025-06-01T09:00:00Z' }), fakeServer('b', { updated: '2025-06-01T09:10:00Z' })] : [fakeServer('a')] }, { headers });
    });
    try {
      const input = { name: 'os-undated', platform: 'openstack', url: `${cloud.url}/v3`, intervalSeconds: 10, credentials: { applicationCredentialId: 'id', applicationCredentialSecret: 'secret' } };
      // The bridge's clock stands in for Nova's in the age check only: a clock at the fake times.
      const { connection, logLines } = connectOpenstack(input, {}, createFakeClock(Date.parse('2025-06-01T09:15:00Z')));
      const full = await drain(connection, undefined);
      assert.deepEqual([full.instances.length, full.cursor], [1, undefined]);
      assert.ok(logLines.some((line) => line.includes('without a Date header')));
      const forward = await drain(connection, '2025-06-01T08:30:00Z');
      assert.equal(forward.instances.length, 2);
      assert.equal(forward.cursor, iso(Date.parse('2025-06-01T09:10:00Z') - defaultChangesSinceMarginSeconds * 1000));
      await connection.close();
    } finally {
      await cloud.close();
    }
  });
});
