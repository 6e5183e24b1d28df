import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, nextPollAt, usableRetryAfterMs, type NextPollInput } from '../../../src/scheduler/index.js';

const base: NextPollInput = { intervalMs: 30_000, floorMs: 10_000, startedAt: 1_000_000, finishedAt: 1_002_000, consecutiveFailures: 0, backoffMaxMs: 300_000, jitterRatio: 0.1, random: 0 };

test('after a success the next poll starts one interval after the previous start', () => {
  assert.equal(nextPollAt(base), base.startedAt + 30_000);
});

test('a poll that outlasted its interval is followed at once, never overlapped', () => {
  assert.equal(nextPollAt({ ...base, finishedAt: base.startedAt + 45_000 }), base.startedAt + 45_000);
});

test('backoff doubles per failure and stops at the cap', () => {
  const delays = [1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(30_000, failures, 300_000));
  assert.deepEqual(delays, [60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  assert.equal(backoffDelay(30_000, 40, 300_000), 300_000, 'no overflow with many failures');
  assert.equal(backoffDelay(600_000, 3, 300_000), 600_000, 'the cap never undercuts the interval');
});

test('jitter stays within [base, base × (1 + ratio)]', () => {
  for (const random of [0, 0.25, 0.5, 0.999999]) {
    const success = nextPollAt({ ...base, random }) - base.startedAt;
    assert.ok(success >= 30_000 && success <= 33_000, `success delay ${success}`);
    const failure = nextPollAt({ ...base, consecutiveFailures: 2, random }) - base.finishedAt;
    assert.ok(failure >= 120_000 && failure <= 132_000, `backoff delay ${failure}`);
  }
});

test('a retry-after hint longer than the backoff is honoured up to the cap; a shorter one changes nothing', () => {
  assert.equal(nextPollAt({ ...base, consecutiveFailures: 1, retryAfterMs: 200_000 }), base.finishedAt + 200_000);
  assert.equal(nextPollAt({ ...base, consecutiveFailures: 1, retryAfterMs: 500_000 }), base.finishedAt + 300_000, 'cut to backoffMaxMs');
  assert.equal(nextPollAt({ ...base, consecutiveFailures: 1, retryAfterMs: 1_000 }), base.finishedAt + 60_000);
});

test('a hostile hint is bounded: 99,999,999 s waits the cap; Infinity, NaN and negative hints are no hint', () => {
  const failed = { ...base, consecutiveFailures: 1 };
  assert.equal(nextPollAt({ ...failed, retryAfterMs: 99_999_999 * 1000 }), base.finishedAt + 300_000);
  for (const retryAfterMs of [Number.POSITIVE_INFINITY, Number.NaN, -5_000, Number.NEGATIVE_INFINITY]) {
    const at = nextPollAt({ ...failed, retryAfterMs });
    assert.equal(at, base.finishedAt + 60_000, `${retryAfterMs}: the plain backoff`);
    // The bridge turns nextPollAt into an ISO time; a non-finite one threw a RangeError there.
    assert.doesNotThrow(() => new Date(at).toISOString());
  }
  assert.equal(usableRetryAfterMs(Number.NaN, 300_000), undefined);
  assert.equal(usableRetryAfterMs(7_000, 300_000), 7_000);
});

test('the cap never undercuts a long interval, and no wait leaves the Node timer range', () => {
  const slow = { ...base, intervalMs: 3_600_000, consecutiveFailures: 1, retryAfterMs: 99_999_999 * 1000 };
  assert.equal(nextPollAt(slow), base.finishedAt + 3_600_000, 'hint cut to the interval, the larger of interval and cap');
  const huge = { ...base, intervalMs: 10 ** 12, backoffMaxMs: 10 ** 13, consecutiveFailures: 3, retryAfterMs: 10 ** 15 };
  assert.equal(nextPollAt(huge) - base.finishedAt, 2 ** 31 - 1);
  assert.ok(nextPollAt({ ...base, random: Number.NaN }) === base.startedAt + 30_000, 'a broken random source adds no jitter');
});

test('the floor holds even if every other input says sooner', () => {
  assert.equal(nextPollAt({ ...base, intervalMs: 1_000, floorMs: 10_000 }), base.startedAt + 10_000);
});
