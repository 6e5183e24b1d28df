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
