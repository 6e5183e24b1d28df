import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'node:test';
import type { IndexEntry } from '../../../src/cache/index.js';
import { alreadyListed, ListedIds, memberPositionsOf } from '../../../src/diff/listed-ids.js';
import { recordedSeed } from '../../fuzz/settings.js';

const running: IndexEntry = { missedLists: 0, instanceId: 'web-1', status: 'RUNNING' };
const stopped: IndexEntry = { missedLists: 2, instanceId: 'web-2', status: 'STOPPED' };

test('an id is listed once per poll; listing a member answers its entry, and members are counted once, others not at all', () => {
  const listed = new ListedIds(memberPositionsOf(new Map([['vm-1', running], ['vm-2', stopped]])));
  assert.equal(listed.list('vm-1'), running);
  assert.equal(listed.list('vm-1'), alreadyListed, 'a duplicate across pages');
  assert.equal(listed.list('vm-new'), undefined, 'not in the index');
  assert.equal(listed.list('vm-new'), alreadyListed, 'a non-member listed twice is a duplicate too');
  assert.equal(listed.has('vm-1'), true);
  assert.equal(listed.has('vm-new'), true);
  assert.equal(listed.has('vm-2'), false);
  assert.equal(listed.coversAllMembers(), false, 'one of two members listed');
  assert.equal(listed.list('vm-2'), stopped);
  assert.equal(listed.has('vm-2'), true);
  assert.equal(listed.coversAllMembers(), true);
});

test('an instance not in the index does not stand in for a member', () => {
  const listed = new ListedIds(memberPositionsOf(new Map([['vm-1', running]])));
  listed.list('vm-new');
  listed.list('vm-other');
  assert.equal(listed.coversAllMembers(), false);
});

test('an empty index is covered by any listing, even an empty one', () => {
  assert.equal(new ListedIds(memberPositionsOf(new Map())).coversAllMembers(), true);
});

test('positions follow the members in their order, and one set of positions serves poll after poll', () => {
  const positions = memberPositionsOf(new Map([['vm-1', running], ['vm-2', stopped]]));
  assert.deepEqual([...positions.positions], [['vm-1', 0], ['vm-2', 1]]);
  assert.deepEqual(positions.entries, [running, stopped]);
  const first = new ListedIds(positions);
  first.list('vm-1');
  const second = new ListedIds(positions);
  assert.equal(second.has('vm-1'), false, 'a new poll starts with nothing listed');
  assert.equal(second.list('vm-1'), running);
});

test('answers as a lookup in the members would, poll after poll, whatever order each poll lists in (the learned order only a hint)', () => {
  const ids = ['vm-0', 'vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5'];
  const anId = fc.constantFrom(...ids, 'new-a', 'new-b');
  fc.assert(
    fc.property(fc.subarray(ids), fc.array(fc.array(anId, { maxLength: 12 }), { minLength: 1, maxLength: 5 }), (memberIds, polls) => {
      const entries = new Map(memberIds.map((platformId, index): [string, IndexEntry] => [platformId, { missedLists: index, instanceId: `inst-${platformId}`, status: 'RUNNING' }]));
      const positions = memberPositionsOf(entries);
      for (const listing of polls) {
        const listed = new ListedIds(positions);
        const seen = new Set<string>();
        for (const platformId of listing) {
          const expected = seen.has(platformId) ? alreadyListed : entries.get(platformId);
          assert.equal(listed.list(platformId), expected, `${platformId} in ${JSON.stringify(listing)}`);
          seen.add(platformId);
        }
        for (const platformId of [...ids, 'new-a', 'new-b']) assert.equal(listed.has(platformId), seen.has(platformId));
        assert.equal(listed.coversAllMembers(), memberIds.every((platformId) => seen.has(platformId)));
      }
    }),
    { numRuns: 500, seed: recordedSeed },
  );
});

test('after a poll, the next one in the same order finds each member at the position that followed the one before', () => {
  const members = new Map<string, IndexEntry>([['vm-c', running], ['vm-a', stopped], ['vm-b', running]]);
  const positions = memberPositionsOf(members);
  const listing = ['vm-a', 'vm-b', 'vm-new', 'vm-c'];
  const first = new ListedIds(positions);
  for (const platformId of listing) first.list(platformId);
  // Taught by the first poll: vm-a (position 1) first, then vm-b (2), then vm-c (0); the new id is not a member.
  assert.deepEqual([...positions.followers], [-1, 2, 0, 1]);
  const second = new ListedIds(positions);
  for (const platformId of listing) second.list(platformId);
  assert.deepEqual([...positions.followers], [-1, 2, 0, 1], 'the same order teaches the same');
});
