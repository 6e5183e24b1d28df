import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStateCache } from '../../../src/cache/index.js';
import { createDiffer, type Observation, type Change } from '../../../src/diff/index.js';
import type { VmStatus } from '../../../src/normalize/index.js';

const observation = (platformId: string, status: VmStatus): Observation => ({ platformId, instanceId: `inst-${platformId}`, status, message: `${platformId} ${status}`, rawState: status.toLowerCase() });

async function setup(options: { debounceMs?: number; deleteAfterMissedLists?: number } = {}) {
  const cache = await openStateCache({ url: '', namespace: `test-${Math.random()}` });
  const differ = createDiffer({ cache, deleteAfterMissedLists: options.deleteAfterMissedLists ?? 2, debounceMs: options.debounceMs ?? 0 });
  /** One complete poll; everything acknowledged unless `acknowledge` says otherwise. */
  const poll = async (at: number, observations: Observation[], acknowledge: (change: Change) => boolean = () => true, resyncRound?: number) => {
    const diff = differ.begin('lab', { observedAt: at, ...(resyncRound !== undefined ? { resyncRound } : {}) });
    await diff.addPage(observations);
    const plan = await diff.finish();
    const acknowledged = plan.changes.filter(acknowledge);
    await differ.commitTransitions('lab', acknowledged);
    await differ.commitIndex(plan, new Set(acknowledged.filter((change) => change.leavesIndex).map((change) => change.platformId)));
    return plan;
  };
  return { cache, differ, poll };
}

const summary = (changes: readonly Change[]) => changes.map((change) => `${change.kind}:${change.platformId}:${change.previousStatus ?? '-'}>${change.status}#${change.sequence}`);

test('first sight, no change, one change', async () => {
  const { poll } = await setup();
  assert.deepEqual(summary((await poll(1000, [observation('a', 'RUNNING'), observation('b', 'STOPPED')])).changes), ['transition:a:->RUNNING#1', 'transition:b:->STOPPED#1']);
  assert.deepEqual((await poll(2000, [observation('a', 'RUNNING'), observation('b', 'STOPPED')])).changes, []);
  assert.deepEqual(summary((await poll(3000, [observation('a', 'STOPPED'), observation('b', 'STOPPED')])).changes), ['transition:a:RUNNING>STOPPED#2']);
});

test('an unacknowledged change is proposed again with the same sequence', async () => {
  const { poll } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  const lost = await poll(2000, [observation('a', 'STOPPED')], () => false);
  const retried = await poll(3000, [observation('a', 'STOPPED')]);
  assert.deepEqual(summary(lost.changes), summary(retried.changes));
  assert.deepEqual((await poll(4000, [observation('a', 'STOPPED')])).changes, []);
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

test('an unacknowledged absence deletion is retried with the same id', async () => {
  const { poll } = await setup();
  await poll(1000, [observation('a', 'RUNNING')]);
  await poll(2000, []);
  const lost = await poll(3000, [], () => false);
  const retried = await poll(4000, []);
  assert.deepEqual(summary(lost.changes), ['transition:a:RUNNING>DELETED#2']);
  assert.deepEqual(summary(retried.changes), summary(lost.changes));
  assert.deepEqual((await poll(5000, [])).changes, []);
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
