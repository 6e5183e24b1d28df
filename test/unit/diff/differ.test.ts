import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStateCache } from '../../../src/cache/index.js';
import { pino } from 'pino';
import type { AbsenceVerdict } from '../../../src/adapter/index.js';
import { createDiffer, type Observation, type Change } from '../../../src/diff/index.js';
import { createDelivery } from '../../../src/pipeline/index.js';
import { completePoll } from '../../support/complete-poll.js';
import type { EventPublisher, OutgoingEvent } from '../../../src/publisher/index.js';
import type { VmStatus } from '../../../src/normalize/index.js';

const observation = (platformId: string, status: VmStatus): Observation => ({ platformId, instanceId: `inst-${platformId}`, status, message: `${platformId} ${status}`, rawState: status.toLowerCase() });

/**
 * A differ over an in-memory cache, driven one complete poll at a time
 * through the real outbox delivery. The broker is a stand-in that
 * acknowledges what `acknowledge` says (pure logic: no broker semantics are
 * under test here). `absence` answers the platform's verdict on missing ids
 * (default: gone).
 */
async function setup(options: { debounceMs?: number; deleteAfterMissedLists?: number; guard?: { maxShare: number; minimum: number } } = {}) {
  const cache = await openStateCache({ url: '', namespace: `test-${Math.random()}` });
  const differ = createDiffer({ cache, deleteAfterMissedLists: options.deleteAfterMissedLists ?? 2, debounceMs: options.debounceMs ?? 0, guard: options.guard ?? { maxShare: 0.2, minimum: 10 } });
  let acknowledge: (event: OutgoingEvent) => boolean = () => true;
  const sent: OutgoingEvent[] = [];
  const publisher: EventPublisher = {
    guarantee: 'core',
    publish: async (events) => events.map((event) => (sent.push(event), acknowledge(event) ? { ok: true as const, duplicate: false } : { ok: false as const, error: new Error('ack lost') })),
    announce: async () => undefined,
    isConnected: () => true,
    close: async () => undefined,
  };
  const delivery = createDelivery({ endpoint: 'lab', cache, publisher, logger: pino({ level: 'silent' }) });
  const asked: string[][] = [];
  /** One complete poll; everything acknowledged unless `acknowledgeIf` says otherwise. */
  const poll = async (
    at: number,
    observations: Observation[],
    acknowledgeIf: (change: Change) => boolean = () => true,
    resyncRound?: number,
    absence: { verdicts?: Record<string, AbsenceVerdict>; released?: boolean } = {},
  ) => {
    acknowledge = () => true;
    const byId = new Map<string, Change>();
    const toEvent = (change: Change): OutgoingEvent => {
      const id = `${change.kind}:${change.platformId}:${change.sequence}:${change.status}`;
      byId.set(id, change);
      return { subject: 'dcm.vm', id, body: id };
    };
    await delivery.flushOutbox();
    acknowledge = (event) => acknowledgeIf(byId.get(event.id) as Change);
    const done = await completePoll(differ, delivery, {
      endpoint: 'lab',
      observedAt: at,
      epoch: 'epoch-1',
      ...(resyncRound !== undefined ? { resyncRound } : {}),
      pages: [observations],
      toEvent,
      absence: {
        guardReleased: absence.released ?? false,
        confirm: async (platformIds) => {
          asked.push([...platformIds]);
          return new Map(platformIds.map((platformId) => [platformId, { verdict: absence.verdicts?.[platformId] ?? 'gone', evidence: 'test' }] as const));
        },
      },
    });
    const counts = { observed: 0, byStatus: { PROVISIONING: 0, RUNNING: 0, STOPPED: 0, FAILED: 0, DELETED: 0, DELETING: 0, PAUSED: 0, STOPPING: 0 }, debounced: 0, missing: 0, absence: { asked: 0, gone: 0, present: 0, unmanaged: 0, unknown: 0 } };
    // A page whose delivery failed ends the poll before its finish, as in the poller: no plan, only what was sent.
    return { counts, ...done.plan, changes: done.changes };
  };
  return { cache, differ, poll, asked, sent };
}

const summary = (changes: readonly Change[]) => changes.map((change) => `${change.kind}:${change.platformId}:${change.previousStatus ?? '-'}>${change.status}#${change.sequence}`);

test('first sight, no change, one change', async () => {
  const { poll } = await setup();
  assert.deepEqual(summary((await poll(1000, [observation('a', 'RUNNING'), observation('b', 'STOPPED')])).changes), ['transition:a:->RUNNING#1', 'transition:b:->STOPPED#1']);
  assert.deepEqual((await poll(2000, [observation('a', 'RUNNING'), observation('b', 'STOPPED')])).changes, []);
  assert.deepEqual(summary((await poll(3000, [observation('a', 'STOPPED'), observation('b', 'STOPPED')])).changes), ['transition:a:RUNNING>STOPPED#2']);
});

test('an unacknowledged change is resent from the outbox, unchanged, before the next diff', async () => {
  const { poll, sent } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  const lost = await poll(2000, [observation('a', 'STOPPED')], () => false);
  assert.deepEqual(summary(lost.changes), ['transition:a:RUNNING>STOPPED#2']);
  const before = sent.length;
  // The VM went back to RUNNING meanwhile: DCM may hold STOPPED, so it must hear RUNNING again.
  const next = await poll(3000, [observation('a', 'RUNNING')]);
  assert.equal(sent[before]?.id, 'transition:a:2:STOPPED', 'the outbox went first, with the same id');
  assert.deepEqual(summary(next.changes), ['transition:a:STOPPED>RUNNING#3'], 'then the diff against what DCM was told');
  assert.deepEqual((await poll(4000, [observation('a', 'RUNNING')])).changes, []);
});

test('absence deletes only after N consecutive complete lists, once', async () => {
  const { poll } = await setup({ deleteAfterMissedLists: 3 });
  await poll(1000, [observation('a', 'RUNNING'), observation('b', 'RUNNING')]);
  assert.deepEqual((await poll(2000, [observation('a', 'RUNNING')])).changes, [], 'missing once');
  assert.deepEqual((await poll(3000, [observation('a', 'RUNNING')])).changes, [], 'missing twice');
  assert.deepEqual(summary((await poll(4000, [observation('a', 'RUNNING')])).changes), ['transition:b:RUNNING>DELETED#2']);
  assert.deepEqual((await poll(5000, [observation('a', 'RUNNING')])).changes, [], 'never a second DELETED');
});

test('an instance seen again resets its absence count', async () => {
  const { poll } = await setup({ deleteAfterMissedLists: 2 });
  await poll(1000, [observation('a', 'RUNNING'), observation('b', 'RUNNING')]);
  await poll(2000, [observation('a', 'RUNNING')]);
  await poll(3000, [observation('a', 'RUNNING'), observation('b', 'RUNNING')]);
  assert.deepEqual((await poll(4000, [observation('a', 'RUNNING')])).changes, [], 'counting starts again');
});

test('an authoritative DELETED is not followed by another when the instance vanishes', async () => {
  const { poll } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  assert.deepEqual(summary((await poll(2000, [observation('a', 'DELETED')])).changes), ['transition:a:RUNNING>DELETED#2']);
  for (const at of [3000, 4000, 5000, 6000]) assert.deepEqual((await poll(at, [])).changes, []);
});

test('an unacknowledged deletion is resent from the outbox and the instance then leaves the index', async () => {
  const { poll, cache, sent } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  await poll(2000, []);
  const lost = await poll(3000, [], () => false);
  assert.deepEqual(summary(lost.changes), ['transition:a:RUNNING>DELETED#2']);
  assert.deepEqual([...(await cache.readIndex('lab')).members.keys()], ['a'], 'tracked until DCM acknowledged the deletion');
  const before = sent.length;
  assert.deepEqual((await poll(4000, [])).changes, [], 'nothing new: the outbox carried the deletion');
  assert.deepEqual(sent.slice(before).map((event) => event.id), ['transition:a:2:DELETED']);
  assert.deepEqual([...(await cache.readIndex('lab')).members.keys()], []);
  assert.equal((await cache.readInstances('lab', ['a']))[0]?.status, 'DELETED');
});

test('absence is not deletion: only a confirmed "gone" becomes DELETED', async () => {
  const { poll, cache, asked } = await setup({ deleteAfterMissedLists: 1 });
  const all = ['a', 'b', 'c', 'd'].map((id) => observation(id, 'RUNNING'));
  await poll(1000, all);
  const plan = await poll(2000, [], () => true, undefined, { verdicts: { a: 'gone', b: 'present', c: 'unmanaged', d: 'unknown' } });
  assert.deepEqual(asked.at(-1), ['a', 'b', 'c', 'd']);
  assert.deepEqual(summary(plan.changes), ['transition:a:RUNNING>DELETED#2']);
  assert.deepEqual({ ...plan.counts.absence }, { asked: 4, gone: 1, present: 1, unmanaged: 1, unknown: 1 });
  const members = (await cache.readIndex('lab')).members;
  assert.deepEqual(
    Object.fromEntries([...members].map(([platformId, entry]) => [platformId, entry.missedLists])),
    { b: 0, d: 1 },
    'present counts as seen, unmanaged is no longer tracked, unknown is asked again',
  );
  const again = await poll(3000, [], () => true, undefined, { verdicts: { b: 'present', d: 'gone' } });
  assert.deepEqual(summary(again.changes), ['transition:d:RUNNING>DELETED#2'], 'the unknown one, asked again, is now confirmed');
  assert.deepEqual(asked.at(-1), ['b', 'd']);
});

test('the mass-deletion guard holds deletions until the list recovers or an operator confirms', async () => {
  const { poll, asked } = await setup({ deleteAfterMissedLists: 1, guard: { maxShare: 0.2, minimum: 10 } });
  const all = Array.from({ length: 50 }, (_, n) => observation(`vm-${n}`, 'RUNNING'));
  await poll(1000, all);
  const askedBefore = asked.length;
  const held = await poll(2000, all.slice(0, 38));
  assert.equal(held.held?.hold, true, '12 of 50 vanished (24 %): held');
  assert.equal(held.held?.vanished, 12);
  assert.deepEqual(held.changes, [], 'no deletion, and the platform is not even asked');
  assert.equal(asked.length, askedBefore);
  assert.equal(held.counts.missing, 12);

  const recovered = await poll(3000, all);
  assert.equal(recovered.held, undefined, 'the list recovered: nothing held, nothing deleted');
  assert.deepEqual(recovered.changes, []);

  assert.equal((await poll(4000, all.slice(0, 38))).held?.hold, true);
  const released = await poll(5000, all.slice(0, 38), () => true, undefined, { released: true });
  assert.equal(released.held, undefined);
  assert.equal(released.changes.length, 12, 'an operator confirmed: the platform is asked and confirms each');
  assert.ok(released.changes.every((change) => change.status === 'DELETED'));

  const small = await setup({ deleteAfterMissedLists: 1 });
  const few = Array.from({ length: 5 }, (_, n) => observation(`vm-${n}`, 'RUNNING'));
  await small.poll(1000, few);
  assert.equal((await small.poll(2000, few.slice(0, 1))).changes.length, 4, 'below the minimum count the guard never holds');
});

test('a deleted instance that returns continues its sequence (no reused event id)', async () => {
  const { poll } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  await poll(2000, [observation('a', 'DELETED')]);
  assert.deepEqual(summary((await poll(3000, [observation('a', 'RUNNING')])).changes), ['transition:a:DELETED>RUNNING#3']);
});

test('debounce: flapping inside the window is coalesced and the latest state wins', async () => {
  const { poll } = await setup({ debounceMs: 30_000 });
  await poll(0, [observation('a', 'RUNNING')]);
  assert.equal((await poll(10_000, [observation('a', 'FAILED')])).changes.length, 0, 'first sight counts as a transition: held');
  const afterQuiet = await poll(40_000, [observation('a', 'FAILED')]);
  assert.deepEqual(summary(afterQuiet.changes), ['transition:a:RUNNING>FAILED#2'], 'the window passed: the change goes out');
  const held2 = await poll(50_000, [observation('a', 'RUNNING')]);
  const held3 = await poll(60_000, [observation('a', 'STOPPED')]);
  assert.deepEqual([held2.changes.length, held3.changes.length], [0, 0], 'flapping inside the window is held');
  assert.equal(held3.counts.debounced, 1);
  assert.deepEqual(summary((await poll(70_000, [observation('a', 'STOPPED')])).changes), ['transition:a:FAILED>STOPPED#3'], 'window over: only the latest state is published');
});

test('resync re-announces unchanged instances and commits nothing', async () => {
  const { poll } = await setup();
  await poll(1000, [observation('a', 'RUNNING'), observation('b', 'STOPPED')]);
  const resync = await poll(2000, [observation('a', 'RUNNING'), observation('b', 'RUNNING')], () => true, 2000);
  assert.deepEqual(summary(resync.changes), ['resync:a:->RUNNING#1', 'transition:b:STOPPED>RUNNING#2']);
  assert.deepEqual((await poll(3000, [observation('a', 'RUNNING'), observation('b', 'RUNNING')])).changes, []);
});

test('duplicate DCM ids: the instance DCM knows keeps the id; a clone carrying it is never told, even when it is deleted', async () => {
  const { poll } = await setup({ deleteAfterMissedLists: 1 });
  const original = observation('b-original', 'RUNNING');
  await poll(1000, [original]);
  // The clone is newer, so Nova lists it first, and it sorts before the original too.
  const clone = (status: VmStatus): Observation => ({ ...observation('a-clone', status), instanceId: original.instanceId });
  const both = await poll(2000, [clone('FAILED'), { ...original, status: 'STOPPED' }]);
  assert.deepEqual(summary(both.changes), ['transition:b-original:RUNNING>STOPPED#2'], 'only the original is diffed');
  assert.deepEqual(both.idConflicts, [{ instanceId: original.instanceId, owner: 'b-original', setAside: ['a-clone'] }]);
  assert.deepEqual((await poll(3000, [clone('RUNNING'), { ...original, status: 'STOPPED' }])).changes, [], 'the clone changing is not news for DCM');
  assert.deepEqual((await poll(4000, [{ ...original, status: 'STOPPED' }])).changes, [], 'the clone deleted: no DELETED for the id it borrowed');
});

test('duplicate DCM ids first seen together: the first listed owns the id, and keeps it in every later poll', async () => {
  const { poll } = await setup();
  const twin = (platformId: string, status: VmStatus): Observation => ({ ...observation(platformId, status), instanceId: 'inst-twin' });
  // Pages are published as they come, so the owner is decided before the list is complete: the first claimant.
  assert.deepEqual(summary((await poll(1000, [twin('p-2', 'FAILED'), twin('p-1', 'RUNNING')])).changes), ['transition:p-2:->FAILED#1']);
  const reordered = await poll(2000, [twin('p-1', 'STOPPED'), twin('p-2', 'PAUSED')]);
  assert.deepEqual(summary(reordered.changes), ['transition:p-2:FAILED>PAUSED#2'], 'listed second now, but the index names it the owner');
  assert.deepEqual(reordered.idConflicts, [{ instanceId: 'inst-twin', owner: 'p-2', setAside: ['p-1'] }]);
});

test('duplicate DCM ids: the known owner keeps its id while it is missing, so a clone listed meanwhile is not told', async () => {
  const { poll } = await setup({ deleteAfterMissedLists: 3 });
  const original = observation('b-original', 'RUNNING');
  await poll(1000, [original]);
  const clone = (status: VmStatus): Observation => ({ ...observation('a-clone', status), instanceId: original.instanceId });
  assert.deepEqual((await poll(2000, [clone('FAILED')])).changes, [], 'the original is missing, not gone: the id is still its own');
  await poll(3000, [clone('FAILED')]);
  const gone = await poll(4000, [clone('FAILED')]);
  assert.deepEqual(summary(gone.changes), ['transition:b-original:RUNNING>DELETED#2'], 'the original confirmed gone');
  assert.deepEqual(summary((await poll(5000, [clone('FAILED')])).changes), ['transition:a-clone:->FAILED#1'], 'only then does the id pass to the instance carrying it');
});

test('an index in which two instances carry one DCM id (written before the rule, or recalled so): the lowest platform id keeps it', async () => {
  const { poll, cache } = await setup();
  const record = (platformId: string) => ({ platformId, instanceId: 'inst-shared', status: 'RUNNING' as const, message: 'm', rawState: 'running', sequence: 1, observedTime: '2026-12-01T00:00:00.000Z', lastTransitionTime: '2026-12-01T00:00:00.000Z' });
  const entry = { missedLists: 0, instanceId: 'inst-shared', status: 'RUNNING' as const };
  await cache.writeState('lab', { records: [record('p-1'), record('p-2')], index: { set: new Map([['p-1', entry], ['p-2', entry]]), epoch: 'epoch-1' } });
  const shared = (platformId: string, status: VmStatus): Observation => ({ ...observation(platformId, status), instanceId: 'inst-shared' });
  // p-2 is listed first and its entry carries the id, yet it is not the owner: it must still be claimed, and lose.
  const both = await poll(1000, [shared('p-2', 'STOPPED'), shared('p-1', 'PAUSED')]);
  assert.deepEqual(summary(both.changes), ['transition:p-1:RUNNING>PAUSED#2']);
  assert.deepEqual(both.idConflicts, [{ instanceId: 'inst-shared', owner: 'p-1', setAside: ['p-2'] }]);
});
