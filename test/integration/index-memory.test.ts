import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openStateCache, type EndpointIndex, type IndexEntry, type IndexUpdate, type StateCache } from '../../src/cache/index.js';
import { leaseTableOf } from '../../src/cluster/index.js';
import { isBridgeError, ErrorCode } from '../../src/errors/index.js';
import { freshNamespace, redisForTestFile } from '../support/redis-per-file.js';

/**
 * The index each view of the cache keeps between polls (#12,
 * src/cache/index-memory.ts): a read answers what the store holds, whoever
 * wrote it, while a view whose index is unchanged does not read the hash.
 */

const redis = redisForTestFile();
const entry = (instanceId: string, status: IndexEntry['status'] = 'RUNNING', missedLists = 0): IndexEntry => ({ missedLists, instanceId, ...(status ? { status } : {}) });
const plain = (index: EndpointIndex): { members: Array<[string, IndexEntry]>; epoch: string | undefined } => ({ members: [...index.members].sort(([a], [b]) => (a < b ? -1 : 1)), epoch: index.epoch });

/** Calls of HGETALL Redis has answered so far (every client's). */
async function hashReads(cache: StateCache): Promise<number> {
  const info = (await cache.coordination.redis!.sendCommand(['INFO', 'commandstats'])) as string;
  return Number(/cmdstat_hgetall:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

test('redis: an unchanged index is read whole once; the view\'s own writes show without reading the hash again', async () => {
  const cache = await openStateCache({ url: redis.url, namespace: freshNamespace() });
  try {
    await cache.writeState('ep', { index: { set: new Map([['a', entry('i-a')], ['b', entry('i-b')]]), epoch: 'e1' } });
    const before = await hashReads(cache);
    const first = await cache.readIndex('ep', { remember: true });
    assert.deepEqual(plain(first), { members: [['a', entry('i-a')], ['b', entry('i-b')]], epoch: 'e1' });
    const again = await cache.readIndex('ep', { remember: true });
    assert.equal(again.members, first.members, 'the same members are handed out while nothing changed');
    await cache.writeState('ep', { index: { set: new Map([['c', entry('i-c', 'STOPPED', 1)]]), remove: ['a'], epoch: 'e2' } });
    const after = await cache.readIndex('ep', { remember: true });
    assert.deepEqual(plain(after), { members: [['b', entry('i-b')], ['c', entry('i-c', 'STOPPED', 1)]], epoch: 'e2' });
    assert.equal(await hashReads(cache), before + 1, 'the hash was read once: since then the view only carried its own write forward');
    assert.deepEqual(plain(first), { members: [['a', entry('i-a')], ['b', entry('i-b')]], epoch: 'e1' }, 'members handed out earlier never change');

    const elsewhere = cache.fenced(() => undefined);
    assert.deepEqual(plain(await elsewhere.readIndex('ep')), plain(after), 'another view reads the same index, in full');
    assert.deepEqual(plain(await elsewhere.readIndex('ep')), plain(after));
    assert.equal(await hashReads(cache), before + 3, 'a read without `remember` keeps nothing (the status API walks every endpoint)');

    cache.dropIndexMemory('ep');
    assert.deepEqual(plain(await cache.readIndex('ep', { remember: true })), plain(after));
    assert.equal(await hashReads(cache), before + 4, 'a view that dropped its memory of the endpoint reads it whole');
  } finally {
    await cache.close();
  }
});

test('redis: what another process writes, forgets or flushes is seen on the next read', async () => {
  const namespace = freshNamespace();
  const [ours, theirs] = await Promise.all([openStateCache({ url: redis.url, namespace }), openStateCache({ url: redis.url, namespace })]);
  try {
    await ours.writeState('ep', { index: { set: new Map([['a', entry('i-a')]]), epoch: 'e1' } });
    assert.equal((await ours.readIndex('ep', { remember: true })).members.size, 1);
    await theirs.writeState('ep', { index: { set: new Map([['a', entry('i-a', 'STOPPED')], ['b', entry('i-b')]]) } });
    assert.deepEqual(plain(await ours.readIndex('ep', { remember: true })), { members: [['a', entry('i-a', 'STOPPED')], ['b', entry('i-b')]], epoch: 'e1' }, "another process's write is read");
    // Our next write replaced their token, not ours: carried forward it would be right here, but the proof is missing, so it is read again.
    await ours.writeState('ep', { index: { remove: ['b'] } });
    assert.deepEqual(plain(await ours.readIndex('ep', { remember: true })), { members: [['a', entry('i-a', 'STOPPED')]], epoch: 'e1' });

    await theirs.forgetEndpoint('ep');
    assert.deepEqual(plain(await ours.readIndex('ep', { remember: true })), { members: [], epoch: undefined }, 'a forgotten endpoint reads empty');
    await ours.writeState('ep', { index: { set: new Map([['z', entry('i-z')]]) } });
    assert.deepEqual(plain(await ours.readIndex('ep', { remember: true })), { members: [['z', entry('i-z')]], epoch: undefined });
    await ours.coordination.redis!.sendCommand(['FLUSHALL']);
    assert.deepEqual(plain(await ours.readIndex('ep', { remember: true })), { members: [], epoch: undefined }, 'a flushed Redis reads empty');
  } finally {
    await Promise.all([ours.close(), theirs.close()]);
  }
});

test('redis: an index written before version keys existed is read whole once, then trusted', async () => {
  const namespace = freshNamespace();
  const cache = await openStateCache({ url: redis.url, namespace });
  try {
    await cache.coordination.redis!.sendCommand(['HSET', `${namespace}:v2:index:ep`, 'a', '0 i-a RUNNING', 'b', '2 i-b STOPPED']);
    const before = await hashReads(cache);
    assert.deepEqual(plain(await cache.readIndex('ep', { remember: true })), { members: [['a', entry('i-a')], ['b', entry('i-b', 'STOPPED', 2)]], epoch: undefined });
    assert.deepEqual(plain(await cache.readIndex('ep', { remember: true })), { members: [['a', entry('i-a')], ['b', entry('i-b', 'STOPPED', 2)]], epoch: undefined });
    assert.equal(await hashReads(cache), before + 1, 'the first read gave the index a version token');
  } finally {
    await cache.close();
  }
});

test('redis: a replica that lost its lease in between reads the index whole again, though the writer knew no version key', async () => {
  const namespace = freshNamespace();
  const cache = await openStateCache({ url: redis.url, namespace });
  try {
    const leases = leaseTableOf(cache.coordination);
    const first = await leases.take('ep', 'replica-a', 60_000);
    assert.ok(first.taken);
    let fence = first.fence;
    const asA = cache.fenced(() => fence);
    await asA.writeState('ep', { index: { set: new Map([['a', entry('i-a')]]) } });
    assert.equal((await asA.readIndex('ep', { remember: true })).members.size, 1);

    // An older release's replica holds the lease for a while and writes the index without touching the version key.
    await leases.release('ep', first.fence);
    const theirs = await leases.take('ep', 'replica-old', 60_000);
    assert.ok(theirs.taken);
    await cache.coordination.redis!.sendCommand(['HSET', `${namespace}:v2:index:ep`, 'b', '0 i-b RUNNING']);
    await leases.release('ep', theirs.fence);
    const back = await leases.take('ep', 'replica-a', 60_000);
    assert.ok(back.taken);
    fence = back.fence;
    assert.deepEqual([...(await asA.readIndex('ep', { remember: true })).members.keys()].sort(), ['a', 'b'], 'a new fence token means a new read');
  } finally {
    await cache.close();
  }
});

for (const kind of ['redis', 'memory'] as const) {
  test(`${kind}: a refused write leaves nothing remembered that did not land`, async () => {
    const cache = await openStateCache({ url: kind === 'redis' ? redis.url : '', namespace: freshNamespace() });
    try {
      const leases = leaseTableOf(cache.coordination);
      const taken = await leases.take('ep', 'replica-a', 60_000);
      assert.ok(taken.taken);
      let fence = taken.fence;
      const asA = cache.fenced(() => fence);
      await asA.writeState('ep', { index: { set: new Map([['a', entry('i-a')]]) } });
      await asA.readIndex('ep', { remember: true });
      fence = { ...fence, token: fence.token + 100 };
      await assert.rejects(asA.writeState('ep', { index: { set: new Map([['b', entry('i-b')]]) } }), (error: unknown) => isBridgeError(error, ErrorCode.LeaseLost));
      fence = taken.fence;
      assert.deepEqual([...(await asA.readIndex('ep', { remember: true })).members.keys()], ['a'], 'the refused entry is not in the index');
    } finally {
      await cache.close();
    }
  });

  /**
   * Batches of writes, forgets and reads run at once from three views (the
   * plain one, a fenced one holding the lease, and on Redis another
   * process's cache); after each batch, every view reads exactly what a view
   * with nothing remembered reads.
   */
  test(`${kind}: whatever interleaving of views' writes, reads and forgets, every view then reads what the store holds`, async () => {
    const ids = ['a', 'b', 'c', 'd'];
    const entryArbitrary = fc.record({ missedLists: fc.integer({ min: 0, max: 2 }), instanceId: fc.constantFrom('i-1', 'i-2'), status: fc.constantFrom('RUNNING' as const, 'STOPPED' as const) }).map((generated) => ({ ...generated }));
    const updateArbitrary: fc.Arbitrary<IndexUpdate> = fc.record(
      { set: fc.dictionary(fc.constantFrom(...ids), entryArbitrary, { maxKeys: 3 }).map((set) => new Map(Object.entries(set))), remove: fc.subarray(ids, { maxLength: 2 }), epoch: fc.constantFrom('e1', 'e2') },
      { requiredKeys: [] },
    );
    const operation = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), view: fc.nat(2), update: updateArbitrary }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), view: fc.nat(2), remember: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), view: fc.nat(2) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(operation, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), async (batches) => {
        const namespace = freshNamespace();
        const url = kind === 'redis' ? redis.url : '';
        const cache = await openStateCache({ url, namespace });
        const other = kind === 'redis' ? await openStateCache({ url, namespace }) : cache;
        try {
          const taken = await leaseTableOf(cache.coordination).take('ep', 'replica-a', 60_000);
          assert.ok(taken.taken);
          const views = [cache, cache.fenced(() => taken.fence), other];
          for (const batch of batches) {
            await Promise.all(
              batch.map((step) => {
                const view = views[step.view] as StateCache;
                if (step.kind === 'write') return view.writeState('ep', { index: step.update });
                if (step.kind === 'forget') return view.forgetEndpoint('ep');
                return view.readIndex('ep', { remember: step.remember });
              }),
            );
            const truth = plain(await cache.fenced(() => taken.fence).readIndex('ep'));
            for (const [position, view] of views.entries()) assert.deepEqual(plain(await view.readIndex('ep', { remember: true })), truth, `view ${position} after ${JSON.stringify(batch)}`);
          }
        } finally {
          await cache.close();
          if (other !== cache) await other.close();
        }
      }),
      { numRuns: 40 },
    );
  });
}
