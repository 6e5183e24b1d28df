import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createFakeClock } from '../../support/fake-clock.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createScheduler, type PollSettlement } from '../../../src/scheduler/index.js';

const silent = pino({ level: 'silent' });
const intervalMs = 10_000;
const backoffMaxMs = 60_000;

/**
 * An endpoint whose platform throttles every poll with `retryAfterMs`, run on
 * fake time for `windowMs`: when each poll started, and what the scheduler said.
 */
async function throttledFor(retryAfterMs: number, windowMs: number): Promise<{ starts: number[]; settlements: PollSettlement[]; callbackErrors: number }> {
  const clock = createFakeClock();
  const settlements: PollSettlement[] = [];
  let callbackErrors = 0;
  const scheduler = createScheduler({
    clock,
    logger: silent,
    maxConcurrentPolls: 1,
    jitterRatio: 0,
    backoffMaxMs,
    random: () => 0,
    onSettled: (settlement) => {
      settlements.push(settlement);
      // What the bridge does with it: a non-finite time threw a RangeError here.
      if (settlement.nextRunAt !== undefined) {
        try {
          new Date(settlement.nextRunAt).toISOString();
        } catch {
          callbackErrors++;
        }
      }
    },
  });
  const starts: number[] = [];
  const origin = clock.now();
  scheduler.add({
    name: 'throttled',
    intervalMs,
    floorMs: intervalMs,
    async run() {
      starts.push(clock.now() - origin);
      throw new BridgeError(ErrorCode.PlatformThrottled, 'HTTP 429', { status: 429, retryAfterMs });
    },
  });
  scheduler.start();
  await clock.advance(windowMs);
  await scheduler.stop();
  return { starts, settlements, callbackErrors };
}

test('Retry-After: 99999999 (s) → polled once per backoffMaxSeconds, not hammered and not abandoned', async () => {
  const { starts, settlements, callbackErrors } = await throttledFor(99_999_999 * 1000, 600_000);
  // Each poll waits the hint cut to the 60 s cap: 0, 60, 120, … 600 s.
  assert.deepEqual(starts, Array.from({ length: 11 }, (_, index) => index * backoffMaxMs));
  for (const settlement of settlements) assert.equal((settlement.nextRunAt ?? 0) - settlement.finishedAt, backoffMaxMs);
  assert.equal(callbackErrors, 0);
});

for (const [label, retryAfterMs] of [['Infinity', Number.POSITIVE_INFINITY], ['NaN', Number.NaN], ['negative', -30_000]] as const) {
  test(`retry-after hint ${label}: no hint, plain exponential backoff, finite times`, async () => {
    const { starts, settlements, callbackErrors } = await throttledFor(retryAfterMs, 300_000);
    // Backoff after n failures: 20, 40, then the 60 s cap → 0, 20, 60, 120, 180, 240, 300 s.
    assert.deepEqual(starts, [0, 20_000, 60_000, 120_000, 180_000, 240_000, 300_000]);
    assert.ok(settlements.every((settlement) => Number.isFinite(settlement.nextRunAt)), 'every next poll time is finite');
    assert.equal(callbackErrors, 0);
  });
}
