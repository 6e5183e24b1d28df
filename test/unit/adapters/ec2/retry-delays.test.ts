import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from '../../../support/fake-clock.js';
import { createRetryStrategy, createTokenBucket, defaultRetryPolicy, retryDelayMs, type RetryPolicy } from '../../../../adapters/ec2/index.js';

test('retry waits stay within [0, maxDelayMs] for every retry count and random value', () => {
  for (const throttled of [false, true]) {
    for (let retries = 0; retries < 40; retries++) {
      for (const random of [0, 0.5, 0.999999, 1, 7, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        const delay = retryDelayMs(defaultRetryPolicy, throttled, retries, random);
        assert.ok(Number.isInteger(delay) && delay >= 0 && delay <= defaultRetryPolicy.maxDelayMs, `${retries} ${random}: ${delay}`);
      }
    }
  }
  assert.equal(retryDelayMs(defaultRetryPolicy, true, 1, 0.5), 500, 'half of min(500 × 2, 2000)');
});

test('a broken policy cannot produce an endless, negative or NaN wait', () => {
  const broken: RetryPolicy[] = [
    { ...defaultRetryPolicy, maxDelayMs: Number.POSITIVE_INFINITY, throttleBaseDelayMs: Number.POSITIVE_INFINITY },
    { ...defaultRetryPolicy, maxDelayMs: Number.NaN },
    { ...defaultRetryPolicy, maxDelayMs: -5 },
    { ...defaultRetryPolicy, maxDelayMs: 10 ** 15, throttleBaseDelayMs: 10 ** 15 },
  ];
  for (const policy of broken) {
    const delay = retryDelayMs(policy, true, 3, 0.9);
    assert.ok(Number.isFinite(delay) && delay >= 0 && delay <= 2 ** 31 - 1, `${JSON.stringify(policy)}: ${delay}`);
  }
});

test('the strategy sleeps what retryDelayMs says, on the clock', async () => {
  const clock = createFakeClock();
  const bucket = createTokenBucket({ capacity: 100, refillPerSecond: 1000 }, clock);
  const delays: number[] = [];
  const policy: RetryPolicy = { ...defaultRetryPolicy, maxDelayMs: Number.POSITIVE_INFINITY };
  const strategy = createRetryStrategy(policy, { clock, bucket, signal: () => undefined, random: () => Number.NaN, onRetry: (retry) => delays.push(retry.delayMs) });
  const first = await strategy.acquireInitialRetryToken('');
  const retried = strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' } as Parameters<typeof strategy.refreshRetryTokenForRetry>[1]);
  await clock.advance(10); // the throttle drained the bucket: the retry's token comes 1 ms later
  assert.equal((await retried).getRetryCount(), 1);
  assert.deepEqual(delays, [0], 'a NaN random value means no jitter, not a NaN wait');
});

test('token bucket settings must be finite', () => {
  const clock = createFakeClock();
  for (const settings of [{ capacity: Number.POSITIVE_INFINITY, refillPerSecond: 1 }, { capacity: 5, refillPerSecond: Number.POSITIVE_INFINITY }, { capacity: 5, refillPerSecond: Number.NaN }]) {
    assert.throws(() => createTokenBucket(settings, clock), RangeError, JSON.stringify(settings));
  }
});
