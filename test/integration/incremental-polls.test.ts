import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AbsenceVerdict, RawInstance } from '../../src/adapter/index.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { FilePlatformState } from '../support/file-adapter.js';
import { instances, useHarness } from '../support/harness.js';

const harness = useHarness();

type Logged = NonNullable<FilePlatformState['changes']>['log'][number];

/** A platform that logs its changes, driven revision by revision like Nova's changes-since or vCenter's update versions. */
function changingPlatform(endpoint: string, initial: RawInstance[]) {
  let current = initial;
  let revision = 1;
  const log: Logged[] = [];
  let rejectBelow = 0;
  let absence: Record<string, AbsenceVerdict> = {};
  const write = (): void => harness().setPlatform(endpoint, { instances: current, pageSize: 50, absence, changes: { revision, log, rejectBelow } });
  write();
  return {
    set(platformId: string, rawState: string): void {
      revision++;
      current = current.map((instance) => (instance.platformId === platformId ? { ...instance, rawState } : instance));
      log.push({ revision, platformId, kind: 'changed' });
      write();
    },
    remove(platformId: string, kind: 'deleted' | 'departed'): void {
      revision++;
      current = current.filter((instance) => instance.platformId !== platformId);
      log.push({ revision, platformId, kind });
      write();
    },
    /** What the platform answers when asked about instances its listing no longer shows (default: gone). */
    answerAbsence(verdicts: Record<string, AbsenceVerdict>): void {
      absence = verdicts;
      write();
    },
    /** The platform forgets every cursor up to now (a vCenter session ended, Nova purged its deleted records). */
    forgetCursors(): void {
      revision++;
      rejectBelow = revision;
      write();
    },
    /** An instance the platform drops without logging it (a deletion the change feed cannot show, e.g. before a vCenter filter existed). */
    removeUnlogged(platformId: string): void {
      current = current.filter((instance) => instance.platformId !== platformId);
      write();
    },
    /** A change the platform makes without logging it (Nova: a tag change leaves `updated` alone): only a full list sees it. */
    setUnlogged(platformId: string, rawState: string): void {
      current = current.map((instance) => (instance.platformId === platformId ? { ...instance, rawState } : instance));
      write();
    },
  };
}

/** DCM's messages from `base` on (the stream is shared by this file's tests). */
async function publishedSince(base: number) {
  return (await harness().dcm.messages()).slice(base);
}

const extra = (fullListSeconds: number, resyncSeconds = 0): string => `diff: { fullListSeconds: ${fullListSeconds}, resyncSeconds: ${resyncSeconds} }`;

test('incremental polls publish exactly what changed; an authoritative deletion is one DELETED at once; the cursor survives a restart', async () => {
  const base = (await harness().dcm.messages()).length;
  const platform = changingPlatform('inc', instances(200));
  const config = harness().config({ endpoints: ['inc'], extra: extra(3600) });
  const bridge = await harness().bridge(config);
  const first = await bridge.runOnce();
  assert.ok(first.ok);
  assert.equal(first.endpoints[0]?.lastReport?.kind, 'full', 'no cursor yet: a full list');
  assert.equal((await publishedSince(base)).length, 200);
  const cursor = await bridge.cache.readListingCursor('inc');
  assert.ok(cursor && cursor !== 'unreadable' && cursor.value === '1', 'the full list stored the platform cursor it returned');

  for (const id of [3, 7, 11]) platform.set(`vm-${id}`, 'off');
  platform.remove('vm-20', 'deleted');
  const second = await bridge.runOnce();
  assert.ok(second.ok);
  assert.equal(second.endpoints[0]?.lastReport?.kind, 'incremental');
  assert.equal(second.endpoints[0]?.lastReport?.observed, 3, 'only the changed instances were listed');
  const events = (await publishedSince(base + 200)).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  assert.deepEqual(events.sort(), ['inst-11:STOPPED', 'inst-20:DELETED', 'inst-3:STOPPED', 'inst-7:STOPPED'], 'three transitions and one DELETED, without waiting for missed lists');
  const deleted = (await publishedSince(base + 200)).find((message) => message.event.data.id === 'inst-20');
  assert.match(deleted?.event.data.message ?? '', /the platform reports it deleted/);
  assert.equal((await bridge.cache.readIndex('inc')).members.has('vm-20'), false, 'the deleted instance left the index once DCM acknowledged it');

  // Nothing changed: nothing published, and the instances not listed are not counted absent.
  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await publishedSince(base)).length, 204);
  assert.deepEqual([...(await bridge.cache.readIndex('inc')).members.values()].filter((entry) => entry.missedLists > 0), [], 'an incremental listing counts no absence');
  assert.deepEqual(bridge.status('inc')?.instanceCounts?.RUNNING, 200, "the status keeps the last full list's counts, not the incremental poll's");
  await bridge.stop();

  // A restart resumes from the stored cursor; its start-up resync re-announces the committed states from the cache.
  platform.set('vm-5', 'paused');
  const restarted = await harness().bridge(config);
  const resumed = await restarted.runOnce({ resync: true });
  assert.ok(resumed.ok);
  assert.equal(resumed.endpoints[0]?.lastReport?.kind, 'incremental');
  const afterRestart = await publishedSince(base + 204);
  assert.deepEqual(afterRestart.filter((message) => message.event.data.status === 'PAUSED').map((message) => message.event.data.id), ['inst-5'], 'the change since the cursor, once');
  assert.equal(afterRestart.length, 199, 'every tracked instance heard once: one transition and 198 resyncs from the cache');
  assert.equal(new Set(afterRestart.map((message) => message.event.data.id)).size, 199);
});

test('a refused cursor lists in full in the same poll: no lost and no duplicate transition', async () => {
  const base = (await harness().dcm.messages()).length;
  const platform = changingPlatform('refused', instances(60, 'on', 1001));
  const bridge = await harness().bridge(harness().config({ endpoints: ['refused'], extra: extra(3600) }));
  assert.ok((await bridge.runOnce()).ok);
  platform.set('vm-1002', 'off');
  assert.ok((await bridge.runOnce()).ok);

  platform.set('vm-1004', 'off');
  platform.setUnlogged('vm-1009', 'paused');
  platform.forgetCursors();
  const result = await bridge.runOnce();
  assert.ok(result.ok, JSON.stringify(result.endpoints[0]?.lastError));
  assert.equal(result.endpoints[0]?.lastReport?.kind, 'full', 'the poll fell back to a full list');
  const events = (await publishedSince(base + 60)).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  assert.deepEqual(events, ['inst-1002:STOPPED', 'inst-1004:STOPPED', 'inst-1009:PAUSED'], 'each transition once, the unlogged one found by the full list');
  const metrics = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_cursor_resets_total');
  assert.match(metrics, /endpoint="refused",reason="rejected"} 1/);
  const polls = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_polls_total');
  assert.match(polls, /endpoint="refused",kind="full"} 2/);
  assert.match(polls, /endpoint="refused",kind="incremental"} 1/);
});

test('a departed instance is confirmed with the platform at once; a full list is due after fullListSeconds', async () => {
  const base = (await harness().dcm.messages()).length;
  const platform = changingPlatform('departing', instances(30, 'on', 2001));
  const clock = createFakeClock(Date.now());
  const bridge = await harness().bridge(harness().config({ endpoints: ['departing'], extra: extra(60) }), { clock });
  assert.ok((await bridge.runOnce()).ok);
  // vm-7 is gone for the platform, vm-8 was only retagged.
  platform.answerAbsence({ 'vm-2008': 'unmanaged' });
  platform.remove('vm-2007', 'departed');
  platform.remove('vm-2008', 'departed');
  const result = await bridge.runOnce();
  assert.ok(result.ok);
  assert.equal(result.endpoints[0]?.lastReport?.kind, 'incremental');
  const events = (await publishedSince(base + 30)).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  assert.deepEqual(events, ['inst-2007:DELETED'], 'the departed instance the platform confirms gone; the retagged one leaves without DELETED');
  const index = await bridge.cache.readIndex('departing');
  assert.equal(index.members.has('vm-2008'), false, 'the retagged instance is no longer tracked');

  await clock.advance(59_000);
  assert.equal((await bridge.runOnce()).endpoints[0]?.lastReport?.kind, 'incremental', '59 s after the full list');
  await clock.advance(1_000);
  const due = await bridge.runOnce();
  assert.equal(due.endpoints[0]?.lastReport?.kind, 'full', 'fullListSeconds passed: a full list');
  await clock.advance(1_000);
  assert.equal((await bridge.runOnce()).endpoints[0]?.lastReport?.kind, 'incremental', 'the full list started the clock again');
});

test('an instance missing from a full list is confirmed by the next incremental poll, not after the next full list', async () => {
  const base = (await harness().dcm.messages()).length;
  const platform = changingPlatform('doubt', instances(20, 'on', 4001));
  const bridge = await harness().bridge(harness().config({ endpoints: ['doubt'], extra: extra(3600) }));
  assert.ok((await bridge.runOnce()).ok);
  // Gone without a trace in the change feed, and the cursor refused: the next poll lists in full and misses it once.
  platform.removeUnlogged('vm-4005');
  platform.forgetCursors();
  const full = await bridge.runOnce();
  assert.equal(full.endpoints[0]?.lastReport?.kind, 'full');
  assert.equal((await publishedSince(base + 20)).length, 0, 'one missed list: not yet asked (deleteAfterMissedLists 2)');
  const next = await bridge.runOnce();
  assert.equal(next.endpoints[0]?.lastReport?.kind, 'incremental');
  const events = (await publishedSince(base + 20)).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  assert.deepEqual(events, ['inst-4005:DELETED'], 'the incremental poll counted as the second miss, asked the platform and published its DELETED');
  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await publishedSince(base + 20)).length, 1, 'once');
});

test('a resync round in the incremental poll that confirms an earlier full list\'s absence: DELETED, and no resync of the stale state after it', async () => {
  // Found by the fault suite (openstack-incremental-sigkill): a restarted bridge's first poll, incremental with the
  // start-up resync, confirmed 6 servers missing from the last full list and published DELETED, then re-announced
  // their committed DELETING from the cache; DCM ended with DELETING for servers that were gone.
  const base = (await harness().dcm.messages()).length;
  const platform = changingPlatform('doubt-resync', instances(20, 'on', 5001));
  const config = harness().config({ endpoints: ['doubt-resync'], extra: extra(3600) });
  const bridge = await harness().bridge(config);
  assert.ok((await bridge.runOnce()).ok);
  platform.removeUnlogged('vm-5005');
  platform.forgetCursors();
  assert.equal((await bridge.runOnce()).endpoints[0]?.lastReport?.kind, 'full', 'the full list misses it once');
  await bridge.stop();
  // A restart: its first poll lists from the stored cursor with the start-up resync.
  const next = await (await harness().bridge(config)).runOnce({ resync: true });
  assert.equal(next.endpoints[0]?.lastReport?.kind, 'incremental');
  const events = (await publishedSince(base + 20)).map((message) => `${message.event.data.id}:${message.event.data.status}`);
  assert.deepEqual(events.filter((event) => event.startsWith('inst-5005:')), ['inst-5005:DELETED'], 'DELETED, and nothing after it');
  assert.equal(events.length, 20, 'the DELETED and 19 resyncs of the instances still there');
});

test('diff.fullListSeconds 0 always lists in full and keeps no cursor', async () => {
  changingPlatform('always-full', instances(5, 'on', 3001));
  const bridge = await harness().bridge(harness().config({ endpoints: ['always-full'], extra: extra(0) }));
  for (let poll = 0; poll < 2; poll++) {
    const result = await bridge.runOnce();
    assert.equal(result.endpoints[0]?.lastReport?.kind, 'full');
  }
  assert.equal(await bridge.cache.readListingCursor('always-full'), undefined);
});

