import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListedIds } from '../../../src/diff/listed-ids.js';

test('an id is listed once per poll; members are counted once, others not at all', () => {
  const listed = new ListedIds();
  assert.equal(listed.add('vm-1', true), true);
  assert.equal(listed.add('vm-1', true), false, 'a duplicate across pages');
  assert.equal(listed.add('vm-new', false), true);
  assert.equal(listed.has('vm-1'), true);
  assert.equal(listed.has('vm-new'), true);
  assert.equal(listed.has('vm-2'), false);
  assert.equal(listed.coversAllMembers(2), false, 'one of two members listed');
  assert.equal(listed.add('vm-2', true), true);
  assert.equal(listed.coversAllMembers(2), true);
  assert.equal(listed.coversAllMembers(3), false, 'an instance not in the index does not stand in for a member');
});

test('an empty index is covered by any listing, even an empty one', () => {
  assert.equal(new ListedIds().coversAllMembers(0), true);
});
