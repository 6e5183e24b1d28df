import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlatformConnection } from '../../../src/adapter/index.js';
import type { ListingCursor } from '../../../src/cache/index.js';
import { planListing, type ListingPlanFacts } from '../../../src/pipeline/listing-plan.js';

const incrementalConnection = { listChanges: () => undefined } as unknown as PlatformConnection;
const fullOnlyConnection = {} as PlatformConnection;
const stored: ListingCursor = { value: 'c-1', fullListAt: 1_000, epoch: 'e-1', scope: 's-1' };
const facts = (overrides: Partial<ListingPlanFacts> = {}): ListingPlanFacts => ({
  connection: incrementalConnection,
  fullListMs: 60_000,
  stored,
  epoch: 'e-1',
  scope: 's-1',
  now: 30_000,
  deletionsInDoubt: false,
  ...overrides,
});

test('a stored cursor of this epoch and scope, with no full list due, lists incrementally from it', () => {
  assert.deepEqual(planListing(facts()), { plan: { kind: 'incremental', cursor: stored } });
});

test('every reason to list in full, with the cursor reset it counts', () => {
  const cases: Array<[string, Partial<ListingPlanFacts>, string | undefined, boolean]> = [
    ['the adapter lists only in full', { connection: fullOnlyConnection }, undefined, false],
    ['diff.fullListSeconds is 0', { fullListMs: 0 }, undefined, false],
    ['no cursor stored', { stored: undefined }, undefined, true],
    ['an unreadable cursor', { stored: 'unreadable' }, 'unreadable', true],
    ['another cache epoch', { epoch: 'e-2' }, 'epoch', true],
    ['changed endpoint settings', { scope: 's-2' }, 'scope', true],
    ['deletions held or released', { deletionsInDoubt: true }, undefined, true],
    ['a full list due', { now: 61_000 }, undefined, true],
  ];
  for (const [name, overrides, reset, tracksCursor] of cases) {
    const chosen = planListing(facts(overrides));
    assert.equal(chosen.plan.kind, 'full', name);
    assert.equal(chosen.reset, reset, `${name}: reset reason`);
    assert.equal(chosen.plan.kind === 'full' && chosen.plan.tracksCursor, tracksCursor, `${name}: whether the full list keeps a cursor`);
  }
});
