import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendezvousOwner, rendezvousWeight } from '../../../src/cluster/index.js';

const endpoints = Array.from({ length: 3000 }, (_, index) => `endpoint-${index}`);
const owners = (members: readonly string[]): Map<string, string | undefined> => new Map(endpoints.map((endpoint) => [endpoint, rendezvousOwner(members, endpoint)]));

test('every endpoint has exactly one owner among the members, whatever order the members are listed in', () => {
  const forward = owners(['a', 'b', 'c']);
  const backward = owners(['c', 'b', 'a']);
  assert.deepEqual([...forward], [...backward]);
  assert.ok([...forward.values()].every((owner) => owner === 'a' || owner === 'b' || owner === 'c'));
  assert.equal(rendezvousOwner([], 'x'), undefined);
});

test('the weight is sha256(member NUL endpoint) read as a big-endian 64-bit integer: every process computes the same', () => {
  // The first 8 bytes of sha256("r1\0e1"), fixed here so a change of hash, separator or byte order fails.
  assert.equal(rendezvousWeight('r1', 'e1'), 0xa65a1e0dada93e27n);
  assert.notEqual(rendezvousWeight('r1', 'e1'), rendezvousWeight('r1e', '1'), 'the NUL separator keeps member and endpoint apart');
});

test('three members share 3,000 endpoints evenly (each within 10% of a third)', () => {
  const counts = new Map<string, number>();
  for (const owner of owners(['replica-a', 'replica-b', 'replica-c']).values()) counts.set(owner as string, (counts.get(owner as string) ?? 0) + 1);
  for (const [member, count] of counts) assert.ok(Math.abs(count - 1000) <= 100, `${member} owns ${count} of 3000`);
});

test('losing a member moves only its endpoints; adding one moves to it only endpoints it now owns', () => {
  const three = owners(['replica-a', 'replica-b', 'replica-c']);
  const two = owners(['replica-a', 'replica-c']);
  let moved = 0;
  for (const endpoint of endpoints) {
    if (three.get(endpoint) !== 'replica-b') assert.equal(two.get(endpoint), three.get(endpoint), `${endpoint} moved although its owner stayed`);
    else moved++;
  }
  assert.ok(moved > 800 && moved < 1200, `${moved} endpoints moved: the lost member's share`);

  const four = owners(['replica-a', 'replica-b', 'replica-c', 'replica-d']);
  let gained = 0;
  for (const endpoint of endpoints) {
    if (four.get(endpoint) === 'replica-d') gained++;
    else assert.equal(four.get(endpoint), three.get(endpoint), `${endpoint} moved between old members`);
  }
  assert.ok(gained > 600 && gained < 900, `the new member took ${gained} endpoints (about a quarter)`);
});
