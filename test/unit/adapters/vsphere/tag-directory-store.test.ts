import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointStore } from '../../../../src/adapter/index.js';
import { openStateCache, type StateCache } from '../../../../src/cache/index.js';
import { createSystemClock } from '../../../../src/clock/index.js';
import { createVsphereAdapter } from '../../../../adapters/vsphere/index.js';
import { decodeStoredTagName, encodeStoredTagName, tagNamesUse } from '../../../../adapters/vsphere/tag-directory.js';
import { validateLabEndpoint } from '../../../support/adapter-lab.js';
import { memoryLogger } from '../../../support/harness.js';
import { listAll, startVsphereLab, type VsphereLab } from '../../../support/vsphere-lab.js';

// The tag directory with the bridge's in-memory adapter store (the same code as over Redis, on Maps)
// against the vCenter simulator. Redis itself: test/integration/vsphere-tag-names-restart.test.ts.

const tagRoute = 'GET /api/cis/tagging/tag/{tag_id}';
/** The managed-by category holds one tag (`dcm`), got once per connection to find its id. */
const managedByLookups = 1;

let lab: VsphereLab;
let cache: StateCache;
let store: EndpointStore;
before(async () => {
  lab = await startVsphereLab();
});
after(() => lab.close());
beforeEach(async () => {
  lab.simulator.reset();
  cache = await openStateCache({ url: '', namespace: `tags-${Math.random()}` });
  store = cache.adapterStore('vc-lab');
});

/** A new adapter instance (what a restart or another replica has) on `store` (or `options.store`). */
function connect(options: { readonly memoryOnly?: boolean; readonly store?: EndpointStore } = {}) {
  const adapter = createVsphereAdapter();
  const endpoint = validateLabEndpoint(lab.endpointInput({ apiFlavor: 'api' }), adapter);
  const { logger, lines } = memoryLogger('debug');
  const connection = adapter.connect(endpoint, { logger, clock: createSystemClock(), ...(options.memoryOnly ? {} : { store: options.store ?? store }) });
  return { connection, lines };
}

/** Instance-id tag names fetched from vCenter since the last stats reset, for `connections` first polls. */
function instanceTagGets(connections = 1): number {
  return (lab.simulator.stats().byRoute[tagRoute] ?? 0) - connections * managedByLookups;
}

const storedNames = async (): Promise<ReadonlyMap<string, string>> => store.map(tagNamesUse).entries();
const tagIdOf = (instanceId: string): string => lab.simulator.inventory.findTag('dcm-instance-id', instanceId)?.id as string;

test('stored values read back only whole and under their own tag id', () => {
  const stored = encodeStoredTagName('urn:tag:1', 'inst-00001');
  assert.equal(decodeStoredTagName('urn:tag:1', stored), 'inst-00001');
  assert.equal(decodeStoredTagName('urn:tag:2', stored), undefined, 'a value under another tag id');
  assert.equal(decodeStoredTagName('urn:tag:1', stored.slice(0, -3)), undefined, 'cut short');
  assert.equal(decodeStoredTagName('urn:tag:1', 'inst-00001'), undefined, 'a bare name (not written by us)');
  assert.equal(decodeStoredTagName('urn:tag:1', JSON.stringify({ tag: 'urn:tag:1', name: '' })), undefined, 'an empty name');
  assert.equal(decodeStoredTagName('urn:tag:1', JSON.stringify({ tag: 'urn:tag:1', name: 7 })), undefined, 'a name that is no string');
  assert.equal(decodeStoredTagName('urn:tag:1', 'null'), undefined);
});

test('a restart reads the names from the store: only tags created since are fetched', async () => {
  lab.simulator.seedDcmVms({ count: 200, tagged: 200 });
  const first = connect();
  const before = await listAll(first.connection);
  assert.equal(instanceTagGets(), 200, 'a first start fetches every name');
  assert.equal((await storedNames()).size, 200, 'and stores them');
  await first.connection.close();

  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  lab.simulator.resetStats();
  const second = connect();
  const after = await listAll(second.connection);
  assert.equal(instanceTagGets(), 3, 'the restart fetches the 3 new names only');
  assert.deepEqual(after.slice(0, 200), before, 'with the same instance ids as before');
  assert.deepEqual(after.slice(200).map((vm) => vm.instanceId), ['inst-00201', 'inst-00202', 'inst-00203']);
  assert.equal((await storedNames()).size, 203);
  assert.ok(second.lines.some((line) => line.includes('read 200 instance-id tag names from the store')));

  lab.simulator.resetStats();
  await listAll(second.connection);
  assert.equal(lab.simulator.stats().byRoute[tagRoute] ?? 0, 0, 'a warm poll fetches nothing');
  await second.connection.close();
});

test('without a store every connection fetches every name (memory only, as before)', async () => {
  lab.simulator.seedDcmVms({ count: 20, tagged: 20 });
  for (const _ of [1, 2]) {
    lab.simulator.resetStats();
    const { connection } = connect({ memoryOnly: true });
    assert.equal((await listAll(connection)).length, 20);
    assert.equal(instanceTagGets(), 20);
    await connection.close();
  }
  assert.equal((await storedNames()).size, 0);
});

test('stored names of tags no longer in the category are deleted, on a restart and between polls', async () => {
  lab.simulator.seedDcmVms({ count: 10, tagged: 10 });
  const first = connect();
  await listAll(first.connection);
  const gone = 'urn:vmomi:InventoryServiceTag:00000000-0000-0000-0000-00000000dead:GLOBAL';
  // A tag deleted while the bridge was down: its name was stored, vCenter no longer lists it.
  await store.map(tagNamesUse).setMany(new Map([[gone, encodeStoredTagName(gone, 'inst-gone')]]));
  await first.connection.close();

  const second = connect();
  assert.equal((await listAll(second.connection)).length, 10);
  assert.deepEqual([...(await storedNames()).keys()].sort(), Array.from({ length: 10 }, (_, index) => tagIdOf(`inst-${String(index + 1).padStart(5, '0')}`)).sort());

  // The simulator deletes no tags; a reset reseeded with fewer VMs gives the same first ids and drops the rest.
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 4, tagged: 4 });
  lab.simulator.resetStats();
  assert.deepEqual((await listAll(second.connection)).map((vm) => vm.instanceId), ['inst-00001', 'inst-00002', 'inst-00003', 'inst-00004']);
  assert.equal(instanceTagGets(0), 0, 'the 4 remaining names are still trusted (their tags are listed)');
  assert.deepEqual([...(await storedNames()).values()].map((text) => (JSON.parse(text) as { name: string }).name).sort(), ['inst-00001', 'inst-00002', 'inst-00003', 'inst-00004']);
  await second.connection.close();
});

test('steady polls: an unchanged tag list is named as before, a store write that failed is tried again, tags created or deleted between polls are named or dropped', async () => {
  lab.simulator.seedDcmVms({ count: 5, tagged: 5 });
  let failingWrites = 1;
  const flaky: EndpointStore = {
    map(use) {
      const inner = store.map(use);
      return {
        entries: () => inner.entries(),
        getMany: (keys) => inner.getMany(keys),
        deleteMany: (keys) => inner.deleteMany(keys),
        setMany: async (entries) => {
          if (failingWrites-- > 0) throw new Error('the store is down');
          await inner.setMany(entries);
        },
      };
    },
  };
  const { connection, lines } = connect({ store: flaky });
  const instanceIds = async (): Promise<string[]> => (await listAll(connection)).map((vm) => vm.instanceId as string).sort();
  const expected = (count: number): string[] => Array.from({ length: count }, (_, index) => `inst-${String(index + 1).padStart(5, '0')}`);
  assert.deepEqual(await instanceIds(), expected(5));
  assert.equal((await storedNames()).size, 0, 'the first write failed');
  assert.ok(lines.some((line) => line.includes('the store is down')));

  lab.simulator.resetStats();
  assert.deepEqual(await instanceIds(), expected(5));
  assert.equal(instanceTagGets(0), 0, 'the same list: no name fetched');
  assert.equal((await storedNames()).size, 5, 'the names the failed write left queued are written by the next poll');

  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  assert.deepEqual(await instanceIds(), expected(3), 'two tags gone');
  assert.equal((await storedNames()).size, 3, 'their names are deleted from the store');
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 6, tagged: 6 });
  lab.simulator.resetStats();
  assert.deepEqual(await instanceIds(), expected(6), 'three tags created');
  assert.equal(instanceTagGets(0), 3, 'only the new tags are named from vCenter');
  await connection.close();
});

test('a stored value that does not read back whole is dropped, fetched again and stored right', async () => {
  lab.simulator.seedDcmVms({ count: 5, tagged: 5 });
  const first = connect();
  await listAll(first.connection);
  await first.connection.close();
  const [one, two, three] = ['inst-00001', 'inst-00002', 'inst-00003'].map(tagIdOf) as [string, string, string];
  await store.map(tagNamesUse).setMany(
    new Map([
      [one, '{"tag":"' + one + '","na'],
      // Another tag's value under this id: it would name the wrong instance.
      [two, encodeStoredTagName(three, 'inst-00003')],
    ]),
  );

  lab.simulator.resetStats();
  const second = connect();
  assert.deepEqual((await listAll(second.connection)).map((vm) => vm.instanceId), ['inst-00001', 'inst-00002', 'inst-00003', 'inst-00004', 'inst-00005']);
  assert.equal(instanceTagGets(), 2, 'the 2 unreadable names are fetched again, the 3 others are not');
  const stored = await store.map(tagNamesUse).getMany([one, two]);
  assert.deepEqual(stored.map((text, position) => decodeStoredTagName([one, two][position] as string, text ?? '')), ['inst-00001', 'inst-00002']);
  assert.ok(second.lines.some((line) => line.includes('2 stored instance-id tag names do not read back whole')));
  await second.connection.close();
});

test('a replica taking over reads names another replica stored since it last polled', async () => {
  lab.simulator.seedDcmVms({ count: 8, tagged: 8 });
  const replicaA = connect();
  const replicaB = connect();
  await listAll(replicaA.connection);
  lab.simulator.resetStats();
  assert.equal((await listAll(replicaB.connection)).length, 8);
  assert.equal(instanceTagGets(), 0, "B's first poll finds every name stored by A");

  lab.simulator.seedDcmVms({ count: 2, tagged: 2 });
  await listAll(replicaA.connection);
  lab.simulator.resetStats();
  assert.deepEqual((await listAll(replicaB.connection)).slice(8).map((vm) => vm.instanceId), ['inst-00009', 'inst-00010']);
  assert.equal(lab.simulator.stats().byRoute[tagRoute] ?? 0, 0, "B asks the store for the 2 names it does not know, not vCenter");
  await Promise.all([replicaA.connection.close(), replicaB.connection.close()]);
});

test('a long first fetch logs its progress every 1,000 names and stores them as it goes; a failure half-way keeps what was fetched for the restart', async () => {
  lab.simulator.seedDcmVms({ count: 2500, tagged: 2500 });
  lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { route: tagRoute }, trigger: { type: 'probability', probability: 0.0008 } }]);
  const first = connect();
  await assert.rejects(listAll(first.connection), { code: 'PLATFORM_HTTP' });
  const fetchedBeforeFailure = instanceTagGets();
  const kept = (await storedNames()).size;
  console.log(`2,501 tags: ${fetchedBeforeFailure} lookups before a 503, ${kept} names stored`);
  assert.ok(kept > 8 && kept >= fetchedBeforeFailure - 8 - 1, 'everything fetched before the failure is stored (at most the requests in flight are lost)');
  await first.connection.close();
  lab.simulator.faults.clear();

  lab.simulator.resetStats();
  const second = connect();
  assert.equal((await listAll(second.connection)).length, 2500);
  assert.equal(instanceTagGets(), 2500 - kept, 'the restart fetches only the names the failed start did not store');
  assert.equal((await storedNames()).size, 2500);
  await second.connection.close();

  // A clean first fetch of 2,500: a progress line per 1,000 names, with counts.
  await cache.forgetAdapterStore('vc-lab');
  const third = connect();
  await listAll(third.connection);
  const progress = third.lines.filter((line) => /fetched \d+ of 2500 instance-id tag names/.test(line)).map((line) => JSON.parse(line) as { fetched: number; remaining: number });
  assert.deepEqual(progress.map(({ fetched, remaining }) => [fetched, remaining]), [[1000, 1500], [2000, 500]]);
  assert.ok(third.lines.some((line) => line.includes('fetching 2500 instance-id tag names from vCenter, one request each, 8 at a time')));
  await third.connection.close();
});

test('removing the endpoint from the store forgets every name', async () => {
  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  const { connection } = connect();
  await listAll(connection);
  await connection.close();
  assert.equal((await storedNames()).size, 3);
  await cache.forgetAdapterStore('vc-lab');
  assert.equal((await storedNames()).size, 0);
});
