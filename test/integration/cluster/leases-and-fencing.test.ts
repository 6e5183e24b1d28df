import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStateCache, type StateCache } from '../../../src/cache/index.js';
import { leaseTableOf, redisMembershipTable, type LeaseTable } from '../../../src/cluster/index.js';
import { isBridgeError, ErrorCode } from '../../../src/errors/index.js';
import type { InstanceRecord } from '../../../src/cache/index.js';
import { startRedis, type TestServer } from '../../support/servers.js';

let redis: TestServer;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.dispose();
});

const record = (platformId: string, sequence: number): InstanceRecord => ({
  platformId,
  instanceId: `inst-${platformId}`,
  status: 'RUNNING',
  message: 'running',
  rawState: 'on',
  sequence,
  observedTime: '2024-01-01T00:00:00.000Z',
  lastTransitionTime: '2024-01-01T00:00:00.000Z',
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each case on a Redis cache and on the in-memory cache, which implements the same check. */
const kinds = [
  { kind: 'redis', open: () => openStateCache({ url: redis.url, namespace: `ns-${Math.random().toString(36).slice(2)}` }) },
  { kind: 'memory', open: () => openStateCache({ url: '', namespace: 'memory' }) },
] as const;

for (const { kind, open } of kinds) {
  test(`${kind}: a lease is taken when free, kept by its holder, refused to others; tokens rise on every take-over`, async () => {
    const cache = await open();
    try {
      const leases = leaseTableOf(cache.coordination);
      const first = await leases.take('ep', 'replica-a', 10_000);
      assert.ok(first.taken);
      const again = await leases.take('ep', 'replica-a', 10_000);
      assert.deepEqual(again, first, 'taking a lease one holds keeps its token');
      const refused = await leases.take('ep', 'replica-b', 10_000);
      assert.equal(refused.taken, false);
      assert.equal(refused.taken === false && refused.holder?.replica, 'replica-a', 'a refusal names the holder');
      assert.equal(await leases.renew('ep', { replica: 'replica-b', token: first.fence.token }, 10_000), false, 'only the holder renews');
      assert.equal(await leases.renew('ep', first.fence, 10_000), true);

      await leases.release('ep', { replica: 'replica-b', token: first.fence.token });
      assert.equal((await leases.holder('ep'))?.replica, 'replica-a', 'only the holder releases');
      await leases.release('ep', first.fence);
      assert.equal(await leases.holder('ep'), undefined);
      const second = await leases.take('ep', 'replica-b', 10_000);
      assert.ok(second.taken && second.fence.token > first.fence.token, 'the next holder gets a higher token');
      await leases.release('ep', second.fence);
      const third = await leases.take('ep', 'replica-a', 10_000);
      assert.ok(third.taken && second.taken && third.fence.token > second.fence.token, 'also when the previous holder takes it back');
    } finally {
      await cache.close();
    }
  });

  test(`${kind}: a lease lapses after its TTL unless renewed, and the next holder's token is higher`, async () => {
    const cache = await open();
    try {
      const leases = leaseTableOf(cache.coordination);
      const first = await leases.take('ep', 'replica-a', 150);
      assert.ok(first.taken);
      await wait(100);
      assert.equal(await leases.renew('ep', first.fence, 150), true);
      await wait(100);
      assert.equal((await leases.holder('ep'))?.replica, 'replica-a', 'the renewal extended it past its first TTL');
      await wait(200);
      assert.equal(await leases.holder('ep'), undefined, 'not renewed: it lapsed');
      assert.equal(await leases.renew('ep', first.fence, 150), false, 'a lapsed lease is not renewed');
      const next = await leases.take('ep', 'replica-b', 10_000);
      assert.ok(next.taken && next.fence.token > first.fence.token);
    } finally {
      await cache.close();
    }
  });

  test(`${kind}: after a take-over, the former holder's fenced writes are refused whole with LEASE_LOST`, async () => {
    const cache = await open();
    try {
      const leases: LeaseTable = leaseTableOf(cache.coordination);
      const mine = await leases.take('ep', 'replica-a', 150);
      assert.ok(mine.taken);
      const fenceA = mine.fence;
      const asA = cache.fenced((endpoint) => (endpoint === 'ep' ? fenceA : undefined));
      await asA.writeState('ep', { records: [record('vm-1', 1)], index: { set: new Map([['vm-1', { missedLists: 0, instanceId: 'inst-vm-1', status: 'RUNNING' }]]) } });
      assert.equal((await cache.readInstances('ep', ['vm-1']))[0]?.sequence, 1, 'a write under the current lease lands');

      await wait(250);
      const theirs = await leases.take('ep', 'replica-b', 10_000);
      assert.ok(theirs.taken);
      const refusal = await asA
        .writeState('ep', { records: [record('vm-1', 2), record('vm-2', 1)], index: { set: new Map([['vm-2', { missedLists: 0 }]]) }, outboxRemove: ['vm-1'] })
        .then(() => undefined, (error: unknown) => error);
      assert.ok(isBridgeError(refusal, ErrorCode.LeaseLost), `refused with LEASE_LOST, not ${String(refusal)}`);
      assert.deepEqual({ ...refusal.context }, { endpoint: 'ep', replica: 'replica-a', token: fenceA.token });
      assert.match(refusal.message, new RegExp(`held as "replica-b ${theirs.fence.token}"`));
      const [vm1, vm2] = await cache.readInstances('ep', ['vm-1', 'vm-2']);
      assert.equal(vm1?.sequence, 1, 'no part of the refused write landed');
      assert.equal(vm2, undefined);
      assert.deepEqual([...(await cache.readIndex('ep')).members.keys()], ['vm-1']);
      for (const write of [() => asA.writeListingCursor('ep', { value: 'c', fullListAt: 1, epoch: 'e', scope: 's' }), () => asA.writePollStart('ep', 123)]) {
        await assert.rejects(write(), (error: unknown) => isBridgeError(error, ErrorCode.LeaseLost));
      }
      assert.equal(await cache.readListingCursor('ep'), undefined);
      assert.equal(await cache.readPollStart('ep'), undefined);

      const asB = cache.fenced(() => theirs.fence);
      await asB.writeState('ep', { records: [record('vm-1', 2)] });
      assert.equal((await cache.readInstances('ep', ['vm-1']))[0]?.sequence, 2, "the new holder's writes land");
      await assert.rejects(cache.fenced(() => undefined).writeState('ep', { records: [record('vm-1', 3)] }), (error: unknown) => isBridgeError(error, ErrorCode.LeaseLost), 'a view without a lease writes nothing');
    } finally {
      await cache.close();
    }
  });
}

test('redis: a fenced write of 30,000 index entries and records lands whole in one script', async () => {
  const cache: StateCache = await openStateCache({ url: redis.url, namespace: 'big' });
  try {
    const leases = leaseTableOf(cache.coordination);
    const take = await leases.take('big', 'replica-a', 10_000);
    assert.ok(take.taken);
    const ids = Array.from({ length: 30_000 }, (_, index) => `vm-${index}`);
    await cache.fenced(() => take.fence).writeState('big', { records: ids.map((id) => record(id, 1)), index: { set: new Map(ids.map((id) => [id, { missedLists: 0, instanceId: `inst-${id}`, status: 'RUNNING' as const }])) } });
    assert.equal((await cache.readIndex('big')).members.size, 30_000);
    assert.equal((await cache.readInstances('big', ['vm-29999']))[0]?.instanceId, 'inst-vm-29999');
  } finally {
    await cache.close();
  }
});

test('redis: membership counts a replica until its TTL lapses (Redis clock), and at once no more after it leaves', async () => {
  const cache = await openStateCache({ url: redis.url, namespace: 'members' });
  try {
    const table = redisMembershipTable(cache.coordination.redis!, cache.coordination.keys.members);
    assert.deepEqual(await table.heartbeat('replica-b', 10_000), ['replica-b']);
    assert.deepEqual(await table.heartbeat('replica-a', 150), ['replica-a', 'replica-b']);
    await wait(250);
    assert.deepEqual(await table.members(), ['replica-b'], 'replica-a was not renewed: counted out');
    await table.leave('replica-b');
    assert.deepEqual(await table.members(), []);
  } finally {
    await cache.close();
  }
});
