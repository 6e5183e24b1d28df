import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndexMemory, withUpdates } from '../../../src/cache/index-memory.js';
import type { EndpointIndex, IndexEntry } from '../../../src/cache/index.js';

const entry = (instanceId: string, missedLists = 0): IndexEntry => ({ missedLists, instanceId, status: 'RUNNING' });
const index = (members: Array<[string, IndexEntry]>, epoch?: string): EndpointIndex => (epoch === undefined ? { members: new Map(members) } : { members: new Map(members), epoch });

test('a remembered index is recalled only at its token and under its scope', () => {
  const memory = createIndexMemory();
  const kept = index([['a', entry('i-a')]], 'e1');
  memory.remember('ep', 'replica-a 1', 'T1', kept);
  assert.equal(memory.recall('ep', 'replica-a 1', 'T1'), kept);
  assert.equal(memory.recall('ep', 'replica-a 1', 'T2'), undefined, 'another token: someone wrote since');
  assert.equal(memory.recall('ep', 'replica-a 1', null), undefined, 'no token: deleted or flushed');
  assert.equal(memory.recall('ep', 'replica-a 2', 'T1'), undefined, 'another fence: the lease was elsewhere in between');
  assert.equal(memory.recall('other', 'replica-a 1', 'T1'), undefined);
});

test("a landed write whose replaced token is the remembered one is carried forward, into new members; the old ones stay as they were", () => {
  const memory = createIndexMemory();
  const kept = index([['a', entry('i-a')], ['b', entry('i-b')]], 'e1');
  memory.remember('ep', '', 'T1', kept);
  const set = new Map([['c', entry('i-c', 1)]]);
  const settle = memory.beginWrite('ep', '', { set, remove: ['a'], epoch: 'e2' });
  set.set('d', entry('i-d'));
  settle({ replaced: 'T1', token: 'T2' });
  const recalled = memory.recall('ep', '', 'T2');
  assert.deepEqual(recalled && [...recalled.members.keys()].sort(), ['b', 'c'], 'the update as it was when written (d came after)');
  assert.equal(recalled?.epoch, 'e2');
  assert.deepEqual([...kept.members.keys()], ['a', 'b'], 'members handed out before are not changed');
  assert.equal(memory.recall('ep', '', 'T2'), recalled, 'nothing new: the same members again');
});

test('a write that replaced another token, failed, or came under another fence forgets the index', () => {
  for (const [scope, landed] of [
    ['', { replaced: 'T0', token: 'T2' }],
    ['', undefined],
    ['replica-a 2', { replaced: 'T1', token: 'T2' }],
  ] as const) {
    const memory = createIndexMemory();
    memory.remember('ep', '', 'T1', index([['a', entry('i-a')]]));
    memory.beginWrite('ep', scope, { remove: ['a'] })(landed);
    assert.equal(memory.recall('ep', '', 'T1'), undefined, JSON.stringify({ scope, landed }));
    assert.equal(memory.recall('ep', '', 'T2'), undefined, JSON.stringify({ scope, landed }));
  }
  const memory = createIndexMemory();
  memory.remember('ep', '', 'T1', index([['a', entry('i-a')]]));
  memory.forget('ep');
  assert.equal(memory.recall('ep', '', 'T1'), undefined, 'forgotten');
});

test('updates apply in order, each setting before it removes, as the store writes them', () => {
  const updated = withUpdates(index([['a', entry('i-a')]]), [{ set: new Map([['b', entry('i-b')]]), remove: ['b'] }, { set: new Map([['a', entry('i-a', 2)]]) }, { epoch: 'e3' }]);
  assert.deepEqual(updated, index([['a', entry('i-a', 2)]], 'e3'));
});

test("what is carried forward keeps no platform page alive: ids cut from a page are copied out of it", async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const pageSize = 1_000_000;
  /** Heap growth (MB) while 30 ids, each cut from its own 1 MB page, are kept by `keep`. */
  const heldWhileKept = (keep: (ids: Array<{ platformId: string; instanceId: string }>) => unknown): number => {
    collect();
    const before = process.memoryUsage().heapUsed;
    let ids: Array<{ platformId: string; instanceId: string }> | undefined = Array.from({ length: 30 }, (_, page) => {
      const text = `<instanceId>i-${String(page).padStart(17, '0')}</instanceId><value>inst-${String(page).padStart(30, '0')}</value>${'x'.repeat(pageSize)}`;
      return { platformId: text.slice(12, 31), instanceId: text.slice(51, 86) };
    });
    const kept = keep(ids);
    ids = undefined;
    collect();
    const grown = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.ok(kept !== undefined);
    return grown;
  };
  const control = heldWhileKept((ids) => ids);
  assert.ok(control > 25, `the cut ids themselves hold their pages (${control.toFixed(1)} MB): the measure works`);
  const memory = createIndexMemory();
  const carried = heldWhileKept((ids) => {
    memory.remember('ep', '', 'T1', index([]));
    memory.beginWrite('ep', '', { set: new Map(ids.map(({ platformId, instanceId }) => [platformId, entry(instanceId)])) })({ replaced: 'T1', token: 'T2' });
    const recalled = memory.recall('ep', '', 'T2');
    assert.equal(recalled?.members.get(`i-${'0'.repeat(17)}`)?.instanceId, `inst-${'0'.repeat(30)}`);
    return recalled;
  });
  assert.ok(carried < 3, `the carried-forward index holds ${carried.toFixed(1)} MB, not the pages`);
});
