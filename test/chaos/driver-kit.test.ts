import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSeededRandom } from '../simulators/common/index.js';
import { apportionSeedMix, createStateWalker, pickWeighted, type LiveInstance } from './platforms/driver-kit.js';
import { createTruthLog } from './truth.js';

test('apportionSeedMix: groups in order by rounded share, the rounding left-overs in the first state', () => {
  const items = Array.from({ length: 11 }, (_, index) => index);
  const assigned = apportionSeedMix(items, [
    { share: 0.5, state: 'on' },
    { share: 0.3, state: 'off' },
  ]);
  assert.deepEqual(assigned.map(({ item }) => item), items, 'every item once, in order');
  assert.deepEqual(assigned.map(({ state }) => state).join(','), 'on,on,on,on,on,on,off,off,off,on,on');
});

test('pickWeighted: choices come up in proportion to their weights; a zero weight never', () => {
  const random = createSeededRandom(7);
  const counts = { a: 0, b: 0, never: 0 };
  const choices = [
    { name: 'a', weight: 3 },
    { name: 'b', weight: 1 },
    { name: 'never', weight: 0 },
  ] as const;
  for (let draw = 0; draw < 4000; draw++) counts[pickWeighted(choices, random)?.name ?? 'never']++;
  assert.equal(counts.never, 0);
  assert.ok(Math.abs(counts.a / 4000 - 0.75) < 0.03, `a drawn ${counts.a} times of 4000`);
});

test('a state walker steps by its table, creates at its share, forgets deleted instances and never steps one instance twice at once', async () => {
  const moves: string[] = [];
  let inFlight = new Set<string>();
  let created = 0;
  const walker = createStateWalker<'up' | 'down'>({
    steps: { up: [{ to: 'down', weight: 1 }], down: [{ to: 'deleted', weight: 1 }] },
    keyOf: (state) => state,
    creationShare: 0.2,
    async create() {
      created++;
      return { platformId: `new-${created}`, instanceId: `inst-new-${created}`, state: 'up' };
    },
    async move(instance: LiveInstance<'up' | 'down'>, to) {
      assert.ok(!inFlight.has(instance.platformId), `${instance.platformId} moved twice at once`);
      inFlight.add(instance.platformId);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight.delete(instance.platformId);
      moves.push(`${instance.state}->${to}`);
    },
  });
  for (let index = 0; index < 3; index++) walker.track({ platformId: `vm-${index}`, instanceId: `inst-${index}`, state: 'up' });
  const random = createSeededRandom(3);
  const truth = createTruthLog();
  for (let round = 0; round < 30; round++) await Promise.all(Array.from({ length: 4 }, () => walker.change(random, truth)));
  inFlight = new Set();
  assert.ok(created > 0, 'creations happen');
  assert.ok(moves.every((move) => move === 'up->down' || move === 'down->deleted'), `only the table's steps: ${[...new Set(moves)].join(', ')}`);
  const deletions = moves.filter((move) => move === 'down->deleted').length;
  assert.equal(walker.live.size, 3 + created - deletions, 'deleted instances leave the live set');
  assert.ok([...walker.live.values()].every((instance) => instance.state === 'up' || instance.state === 'down'));
});
