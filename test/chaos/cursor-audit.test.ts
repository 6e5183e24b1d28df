import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorCoverage } from './cursor-audit.js';
import type { DeliveredEvent } from './recorder.js';
import { createTruthLog } from './truth.js';

// Pure logic of the incremental scenarios' cursor audit: what DCM must have heard once a cursor is stored.

let sequence = 0;
const told = (instanceId: string, status: string, at: number): DeliveredEvent => {
  sequence++;
  return { streamSequence: sequence, storedAt: at + 100, id: `id-${sequence}`, instanceId, status, previousStatus: undefined, resync: false, observedAt: at, body: '{}' };
};

/** inst-00782 of a full run: STOPPED, DELETING at 50.214 s, DELETED at 51.802 s; DCM told STOPPED. */
function deletedDuringTheSecond() {
  const truth = createTruthLog();
  truth.record('x', 'STOPPED', 20_651, { seeded: true });
  truth.record('x', 'DELETING', 50_214);
  truth.record('x', 'DELETED', 51_802);
  return { truth: truth.history(), delivered: [told('x', 'STOPPED', 21_376)] };
}

test('a deletion before the cursor was written may have kept the instance out of that listing: awaiting confirmation, not a cursor past DCM', () => {
  const { truth, delivered } = deletedDuringTheSecond();
  // Nova's cursor says 51.000 (whole seconds); the full list behind it ran at 51.863, after the deletion, and the cursor was written at 51.99.
  const coverage = cursorCoverage(truth, delivered, 51_000, 51_991);
  assert.deepEqual(coverage.behind, []);
  assert.equal(coverage.deletionsAwaitingConfirmation, 1);
});

test('a listing known to have run before the deletion should have shown DELETING: DCM still at STOPPED is behind', () => {
  const { truth, delivered } = deletedDuringTheSecond();
  const coverage = cursorCoverage(truth, delivered, 51_000, 51_500);
  assert.equal(coverage.behind.length, 1, 'the cursor was written before the deletion: the listing saw DELETING');
  assert.match(coverage.behind[0] ?? '', /^x: DELETING since .*DCM's last word STOPPED$/);
  assert.equal(coverage.deletionsAwaitingConfirmation, 0);
});

test('a state DCM heard, or a later one, covers the cursor; DCM without the state the listing showed is behind', () => {
  const truth = createTruthLog();
  truth.record('y', 'RUNNING', 0, { seeded: true });
  truth.record('y', 'STOPPED', 10_000);
  truth.record('y', 'RUNNING', 30_000);
  assert.deepEqual(cursorCoverage(truth.history(), [told('y', 'STOPPED', 11_000)], 20_000, 21_000).behind, [], 'STOPPED at the listing, and DCM heard it');
  assert.deepEqual(cursorCoverage(truth.history(), [told('y', 'RUNNING', 31_000)], 20_000, 21_000).behind, [], 'a later state covers it');
  const stopped = createTruthLog();
  stopped.record('z', 'RUNNING', 0, { seeded: true });
  stopped.record('z', 'STOPPED', 10_000);
  assert.equal(cursorCoverage(stopped.history(), [told('z', 'RUNNING', 1_000)], 20_000, 21_000).behind.length, 1, 'the stop was listed and DCM never heard it');
});
