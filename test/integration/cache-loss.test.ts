import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawInstance } from '../../src/adapter/index.js';
import { statusOfFileState } from '../support/file-adapter.js';
import { instances, useHarness } from '../support/harness.js';
import { redisCommand } from '../support/servers.js';

const harness = useHarness();

/** Per instance, the last status DCM received. */
async function dcmView(): Promise<Map<string, string>> {
  const view = new Map<string, string>();
  for (const message of await harness().dcm.messages()) view.set(message.event.data.id, message.event.data.status);
  return view;
}

/** Asserts DCM's last status of every instance is the platform's. */
async function assertConverged(platform: readonly RawInstance[], what: string): Promise<void> {
  const view = await dcmView();
  const wrong = platform.filter((instance) => view.get(instance.instanceId as string) !== statusOfFileState(instance.rawState));
  assert.deepEqual(
    wrong.map((instance) => `${instance.instanceId}: platform ${statusOfFileState(instance.rawState)}, DCM ${view.get(instance.instanceId as string)}`),
    [],
    what,
  );
}

/** Turns every `step`-th instance to another state, the way a busy estate changes between polls. */
function churn(current: readonly RawInstance[], round: number): RawInstance[] {
  const states = ['on', 'off', 'paused', 'on', 'building'];
  return current.map((instance, position) => (position % 3 === round % 3 ? { ...instance, rawState: states[(round + position) % states.length] } : instance));
}

test('Redis flushed while instances change: DCM ends with every platform state', async () => {
  let platform = instances(60, 'on', 1000);
  harness().setPlatform('flushed', { instances: platform });
  const bridge = await harness().bridge(harness().config({ endpoints: ['flushed'], extra: 'diff: { resyncSeconds: 0 }' }));
  for (let round = 0; round < 3; round++) {
    platform = churn(platform, round);
    harness().setPlatform('flushed', { instances: platform });
    assert.ok((await bridge.runOnce()).ok);
  }
  const epochBefore = (await bridge.cache.currentEpoch()).id;

  await redisCommand(harness().redis, 'FLUSHALL');
  // The same transitions as before the flush happen again: with restarted sequences they would rebuild old ids.
  for (let round = 0; round < 3; round++) {
    platform = churn(platform, round);
    harness().setPlatform('flushed', { instances: platform });
    assert.ok((await bridge.runOnce()).ok);
  }
  assert.notEqual((await bridge.cache.currentEpoch()).id, epochBefore, 'the flush was detected: a new epoch');
  await assertConverged(platform, 'after the flush');
});

test('Redis restarted from an older snapshot: the bridge notices and re-publishes every state', async () => {
  let platform = instances(60, 'on', 2000);
  harness().setPlatform('rolled-back', { instances: platform });
  const bridge = await harness().bridge(harness().config({ endpoints: ['rolled-back'], extra: 'diff: { resyncSeconds: 0 }' }));
  assert.ok((await bridge.runOnce()).ok);
  await redisCommand(harness().redis, 'SAVE');

  // Commits after the snapshot, which the restart will forget.
  for (let round = 0; round < 3; round++) {
    platform = churn(platform, round);
    harness().setPlatform('rolled-back', { instances: platform });
    assert.ok((await bridge.runOnce()).ok);
  }
  const epochBefore = (await bridge.cache.currentEpoch()).id;
  await harness().redis.stop();
  await harness().redis.restart();

  // The estate flaps back to the snapshot's states: compared with the stale records, nothing would change.
  platform = instances(60, 'on', 2000);
  harness().setPlatform('rolled-back', { instances: platform });
  let polled = false;
  for (let attempt = 0; attempt < 20 && !polled; attempt++) {
    polled = (await bridge.runOnce()).ok;
    if (!polled) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(polled, 'the bridge polls again once Redis is back');
  assert.notEqual((await bridge.cache.currentEpoch()).id, epochBefore, 'the restart was detected: a new epoch');
  await assertConverged(platform, 'after the rollback');
});

/** How many DELETED events DCM's stream holds per instance of `estate` (the stream is shared by this file's tests). */
async function deletedCounts(estate: readonly RawInstance[]): Promise<Map<string, number>> {
  const ids = new Set(estate.map((instance) => instance.instanceId));
  const counts = new Map<string, number>();
  for (const message of await harness().dcm.messages()) {
    if (message.event.data.status === 'DELETED' && ids.has(message.event.data.id)) counts.set(message.event.data.id, (counts.get(message.event.data.id) ?? 0) + 1);
  }
  return counts;
}

test('Redis flushed, then instances deleted before the next poll: DCM still gets their DELETED, recalled from its stream', async () => {
  const platform = instances(20, 'on', 3000);
  harness().setPlatform('forgotten', { instances: platform });
  const bridge = await harness().bridge(harness().config({ endpoints: ['forgotten'], extra: 'diff: { resyncSeconds: 0 }' }));
  assert.ok((await bridge.runOnce()).ok);

  await redisCommand(harness().redis, 'FLUSHALL');
  // Gone while the cache remembers nothing: only DCM's stream still says they exist.
  const remaining = platform.slice(3);
  harness().setPlatform('forgotten', { instances: remaining });
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);

  const deleted = await deletedCounts(platform);
  assert.deepEqual(
    platform.slice(0, 3).map((instance) => [instance.instanceId, deleted.get(instance.instanceId as string)]),
    platform.slice(0, 3).map((instance) => [instance.instanceId, 1]),
    'each vanished instance reported DELETED exactly once',
  );
  assert.equal(deleted.size, 3, 'no other instance reported DELETED');
  const view = await dcmView();
  for (const instance of remaining) assert.equal(view.get(instance.instanceId as string), 'RUNNING');
});

test('Redis restored from a snapshot older than a deletion: the DELETED DCM already has is not sent again', async () => {
  const platform = instances(20, 'on', 4000);
  harness().setPlatform('restored', { instances: platform });
  const bridge = await harness().bridge(harness().config({ endpoints: ['restored'], extra: 'diff: { resyncSeconds: 0 }' }));
  assert.ok((await bridge.runOnce()).ok);
  await redisCommand(harness().redis, 'SAVE');

  // Deleted and reported after the snapshot: the restart brings back an index that still lists them.
  harness().setPlatform('restored', { instances: platform.slice(2) });
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.equal((await deletedCounts(platform)).size, 2, 'the deletions were reported before the rollback');
  await harness().redis.stop();
  await harness().redis.restart();

  let polls = 0;
  for (let attempt = 0; attempt < 20 && polls < 3; attempt++) {
    if ((await bridge.runOnce()).ok) polls++;
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(polls, 3, 'the bridge polls again once Redis is back');
  const deleted = await deletedCounts(platform);
  assert.deepEqual([...deleted.values()], [1, 1], 'each deletion reached DCM once, not again after the rollback');
  assert.equal((await bridge.cache.readIndex('restored')).members.get(platform[0]!.platformId), undefined, 'the recalled index no longer lists the deleted instance');
});
