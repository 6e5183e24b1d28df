import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointIndex, InstanceRecord } from '../../../src/cache/index.js';
import { recall, type RecalledState } from '../../../src/diff/index.js';

const told = (platformId: string, status: string, instanceId = `inst-${platformId}`): RecalledState => ({ platformId, instanceId, status, message: `VM ${platformId} ${status}`, observedTime: '2026-12-02T01:00:00.000Z' });
const record = (platformId: string, status: InstanceRecord['status'], sequence = 4): InstanceRecord => ({
  platformId,
  instanceId: `inst-${platformId}`,
  status,
  message: `cached ${status}`,
  rawState: 'raw',
  name: `vm ${platformId}`,
  sequence,
  observedTime: '2026-12-02T00:00:00.000Z',
  lastTransitionTime: '2026-12-02T00:00:00.000Z',
});
/** An index of members with these missed-list counts (each owning its `inst-` id, RUNNING). */
const indexOf = (missed: Record<string, number>, epoch?: string): EndpointIndex => ({
  members: new Map(Object.entries(missed).map(([platformId, missedLists]) => [platformId, { missedLists, instanceId: `inst-${platformId}`, status: 'RUNNING' as const }])),
  ...(epoch !== undefined ? { epoch } : {}),
});
/** The index's missed-list counts, for comparing. */
const missedOf = (index: EndpointIndex) => ({ members: Object.fromEntries([...index.members].map(([platformId, entry]) => [platformId, entry.missedLists])), ...(index.epoch !== undefined ? { epoch: index.epoch } : {}) });
const byId = (...records: InstanceRecord[]) => new Map(records.map((entry) => [entry.platformId, entry]));
const delivered = (...states: RecalledState[]) => new Map(states.map((state) => [state.platformId, state]));

test('an emptied cache gets back every instance DCM believes alive, in the state DCM was told', () => {
  const result = recall(indexOf({}), new Map(), delivered(told('a', 'RUNNING'), told('b', 'STOPPED'), told('c', 'DELETED')));
  assert.deepEqual(missedOf(result.index), { members: { a: 0, b: 0 } }, 'c is DELETED for DCM: nothing to confirm');
  assert.deepEqual(result.records.map((entry) => [entry.platformId, entry.status, entry.sequence, entry.rawState]), [
    ['a', 'RUNNING', 0, null],
    ['b', 'STOPPED', 0, null],
  ]);
  assert.equal(result.restored, 2);
  assert.equal(result.forgotten, 0);
});

test('a rolled-back cache: newer states replace stale records, delivered deletions leave the index', () => {
  const index = indexOf({ a: 0, b: 0, c: 1 }, 'old');
  const cached = byId(record('a', 'RUNNING'), record('b', 'RUNNING', 7), record('c', 'STOPPED'));
  const result = recall(index, cached, delivered(told('a', 'RUNNING'), told('b', 'PAUSED'), told('c', 'DELETED')));
  assert.deepEqual(missedOf(result.index), { members: { a: 0, b: 0 }, epoch: 'old' }, 'the epoch stays: the poll is still a new epoch\'s first');
  assert.deepEqual([...result.update.set].map(([platformId, entry]) => [platformId, entry.instanceId, entry.status]), [['b', 'inst-b', 'PAUSED']], 'the index summary follows what DCM was told');
  assert.deepEqual(result.update.remove, ['c']);
  const [paused, deleted] = result.records;
  assert.equal(result.records.length, 2, 'a agrees with DCM: untouched');
  assert.deepEqual([paused?.platformId, paused?.status, paused?.sequence, paused?.rawState, paused?.name], ['b', 'PAUSED', 7, 'raw', 'vm b'], 'the sequence and platform facts carry on');
  assert.equal(paused?.lastTransitionTime, '2026-12-02T01:00:00.000Z');
  assert.deepEqual([deleted?.platformId, deleted?.status], ['c', 'DELETED']);
  assert.equal(result.restored, 1);
  assert.equal(result.forgotten, 1);
});

test('what the stream does not name keeps the cache\'s word; unknown statuses are ignored', () => {
  const index = indexOf({ kept: 2 });
  const result = recall(index, byId(record('kept', 'STOPPED')), delivered(told('odd', 'SOMETHING')));
  assert.deepEqual(missedOf(result.index), { members: { kept: 2 } });
  assert.deepEqual([result.update.set.size, result.update.remove], [0, []], 'nothing to write');
  assert.deepEqual(result.records, []);
});

test('a DCM id the stream names differently counts as disagreement', () => {
  const result = recall(indexOf({ a: 0 }), byId(record('a', 'RUNNING')), delivered(told('a', 'RUNNING', 'inst-renamed')));
  assert.equal(result.records[0]?.instanceId, 'inst-renamed');
});
