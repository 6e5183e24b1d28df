import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from '../../../support/fake-clock.js';
import { createRetryStrategy, createTokenBucket, defaultRetryPolicy, requestTimeoutsFor, worstCaseRetryDelayMs } from '../../../../adapters/ec2/index.js';

describe('EC2 SDK retry budget', () => {
  test('defaults: 3 attempts, worst-case backoff 0.5 s + 1 s', () => {
    assert.equal(defaultRetryPolicy.maxAttempts, 3);
    assert.equal(worstCaseRetryDelayMs(defaultRetryPolicy), 1500);
  });

  test('one call, every attempt timing out plus the worst backoff, ends within the interval (10 s floor to 10 min)', () => {
    const rows: string[] = [];
    for (const intervalSeconds of [10, 15, 30, 60, 120, 300, 600]) {
      const { connectionTimeoutMs, requestTimeoutMs } = requestTimeoutsFor(intervalSeconds, defaultRetryPolicy);
      const worstCallMs = defaultRetryPolicy.maxAttempts * (connectionTimeoutMs + requestTimeoutMs) + worstCaseRetryDelayMs(defaultRetryPolicy);
      rows.push(`interval ${intervalSeconds}s: connect ${connectionTimeoutMs} ms, answer ${requestTimeoutMs} ms, worst call ${worstCallMs} ms`);
      assert.ok(worstCallMs <= intervalSeconds * 1000, rows.at(-1));
      assert.ok(connectionTimeoutMs <= 3000 && requestTimeoutMs <= 30_000);
    }
    console.log(rows.join('\n'));
  });

  test('the strategy: only throttling and transient errors retry, up to maxAttempts; throttles drain the bucket; waits are jittered on the clock', async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ capacity: 100, refillPerSecond: 1000 }, clock);
    const retries: { attempt: number; errorType: string; delayMs: number }[] = [];
    const strategy = createRetryStrategy(defaultRetryPolicy, { clock, bucket, signal: () => undefined, random: () => 0.999, onRetry: (retry) => retries.push(retry) });
    const first = await strategy.acquireInitialRetryToken('');
    assert.equal(bucket.available(), 99, 'the first attempt takes a token');
    await assert.rejects(strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' }));
    await assert.rejects(strategy.refreshRetryTokenForRetry(first, { errorType: 'SERVER_ERROR' }));

    const second = strategy.refreshRetryTokenForRetry(first, { errorType: 'THROTTLING' });
    assert.ok(bucket.available() < 1, 'drained');
    await clock.advance(600);
    const secondToken = await second;
    const third = strategy.refreshRetryTokenForRetry(secondToken, { errorType: 'TRANSIENT' });
    await clock.advance(300);
    const thirdToken = await third;
    assert.equal(thirdToken.getRetryCount(), 2);
    assert.equal(thirdToken.getRetryDelay(), 0, 'the strategy waited itself, on the injected clock');
    await assert.rejects(strategy.refreshRetryTokenForRetry(thirdToken, { errorType: 'THROTTLING' }), 'no fourth attempt');
    assert.deepEqual(retries, [
      { attempt: 2, errorType: 'THROTTLING', delayMs: 499 },
      { attempt: 3, errorType: 'TRANSIENT', delayMs: 199 },
    ]);
  });
});
