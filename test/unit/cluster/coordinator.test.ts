import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openStateCache, type Fence } from '../../../src/cache/index.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createClusterCoordinator, leaseTableOf, memoryMembershipTable, rendezvousOwner, type ClusterCoordinator, type ReleaseReason } from '../../../src/cluster/index.js';

const endpoints = ['ep-1', 'ep-2', 'ep-3', 'ep-4', 'ep-5', 'ep-6'];

/** Two replicas on one in-memory store and one fake clock, with what each was told. */
async function twoReplicas() {
  const clock = createFakeClock();
  const cache = await openStateCache({ url: '', namespace: 'unit' });
  const membership = memoryMembershipTable(() => clock.now());
  const leases = leaseTableOf(cache.coordination, () => clock.now());
  const told: Array<{ replica: string; event: 'acquired' | ReleaseReason; endpoint: string }> = [];
  const replica = (replicaId: string): ClusterCoordinator =>
    createClusterCoordinator({
      replicaId,
      memberTtlMs: 3000,
      leaseTtlMs: 3000,
      membership,
      leases,
      clock,
      logger: pino({ level: 'silent' }),
      endpoints: () => endpoints,
      onAcquired: async (endpoint: string, _fence: Fence) => void told.push({ replica: replicaId, event: 'acquired', endpoint }),
      onReleased: async (endpoint, reason) => void told.push({ replica: replicaId, event: reason, endpoint }),
    });
  return { clock, leases, told, replica, cache };
}

test('a joining replica takes exactly its rendezvous share: the other gives it up ("moved"), then it acquires it', async () => {
  const { clock, told, replica, cache } = await twoReplicas();
  const a = replica('replica-a');
  await a.start();
  assert.deepEqual(a.held(), endpoints, 'alone, a replica holds every endpoint');
  const b = replica('replica-b');
  await b.start();
  assert.deepEqual(b.held(), [], "b owns some, but a still holds their leases");
  await clock.advance(1000); // a's heartbeat (memberTtl/3) sees b; b's retry follows
  await clock.advance(1000);
  const share = endpoints.filter((endpoint) => rendezvousOwner(['replica-a', 'replica-b'], endpoint) === 'replica-b');
  assert.ok(share.length > 0 && share.length < endpoints.length);
  assert.deepEqual(b.held(), share);
  assert.deepEqual(a.held(), endpoints.filter((endpoint) => !share.includes(endpoint)));
  for (const endpoint of share) {
    const events = told.filter((entry) => entry.endpoint === endpoint).map((entry) => `${entry.replica} ${entry.event}`);
    assert.deepEqual(events, ['replica-a acquired', 'replica-a moved', 'replica-b acquired'], `${endpoint}: given up before taken`);
    assert.ok((b.fenceOf(endpoint)?.token ?? 0) > 1, 'the take-over drew a higher token');
  }
  await a.stop();
  await b.stop();
  await cache.close();
});

test('a replica whose lease is no longer its own at renewal stops polling it ("lost") and does not release the new holder\'s lease', async () => {
  const { clock, leases, told, replica, cache } = await twoReplicas();
  const a = replica('replica-a');
  await a.start();
  const fence = a.fenceOf('ep-1');
  assert.ok(fence);
  await leases.release('ep-1', fence); // as if it lapsed…
  const intruder = await leases.take('ep-1', 'replica-z', 60_000); // …and another replica took it
  assert.ok(intruder.taken);
  await clock.advance(1000); // the next renewal (leaseTtl/3)
  assert.deepEqual(told.filter((entry) => entry.endpoint === 'ep-1').map((entry) => entry.event), ['acquired', 'lost']);
  assert.equal(a.fenceOf('ep-1'), undefined);
  assert.equal((await leases.holder('ep-1'))?.replica, 'replica-z');
  await a.stop();
  await cache.close();
});

test('stopping releases every lease and leaves the membership at once, so the other replica takes all within a second', async () => {
  const { clock, told, replica, cache } = await twoReplicas();
  const a = replica('replica-a');
  const b = replica('replica-b');
  await a.start();
  await b.start();
  await clock.advance(2000);
  assert.equal(a.held().length + b.held().length, endpoints.length);
  await a.stop();
  assert.ok(told.filter((entry) => entry.replica === 'replica-a' && entry.event === 'stopping').length > 0);
  await clock.advance(1000);
  assert.deepEqual(b.held(), endpoints);
  await b.stop();
  await cache.close();
});
