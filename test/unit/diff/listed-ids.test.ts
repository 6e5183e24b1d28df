import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IndexEntry } from '../../../src/cache/index.js';
import { alreadyListed, ListedIds, memberPositionsOf } from '../../../src/diff/listed-ids.js';

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
