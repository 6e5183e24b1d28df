import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { maxTimerDelayMs, type Clock } from '../../src/clock/index.js';
import type { RequestGate } from '../../src/ratelimit/index.js';

/** The SDK's token-based retry strategy interface (RetryStrategyV2), as `EC2Client` types it. */
export type SdkRetryStrategy = Extract<NonNullable<EC2ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<SdkRetryStrategy['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<SdkRetryStrategy['refreshRetryTokenForRetry']>[1];

/** How the SDK retries one DescribeInstances call. */
export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
  /** Backoff base after a transient failure (5xx, timeout, reset). */
  readonly baseDelayMs: number;
  /** Backoff base after RequestLimitExceeded: longer, since the account's bucket must refill. */
  readonly throttleBaseDelayMs: number;
  /** Cap of one backoff wait. */
  readonly maxDelayMs: number;
}

/** 3 attempts; waits of at most 0.5 s then 1 s after throttling (worst case 1.5 s per call). */
export const defaultRetryPolicy: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 100, throttleBaseDelayMs: 500, maxDelayMs: 2000 });

/** The longest the retries of one call can wait in all: Σ min(base × 2^i, cap) over the retries. */
export function worstCaseRetryDelayMs(policy: RetryPolicy): number {
  const base = Math.max(policy.baseDelayMs, policy.throttleBaseDelayMs);
  let total = 0;
  for (let retry = 0; retry < policy.maxAttempts - 1; retry++) total += Math.min(base * 2 ** retry, policy.maxDelayMs);
  return total;
}

/**
 * The wait before the retry that follows `retries` retries: full jitter over
 * min(base × 2^retries, `maxDelayMs`). Always a whole number of ms in
 * [0, `maxDelayMs`], whatever the policy or the random source hold (a NaN,
 * Infinity or a random value outside [0, 1) cannot produce an endless or
 * negative wait); a cap beyond the timer range counts as {@link maxTimerDelayMs}.
 */
export function retryDelayMs(policy: RetryPolicy, throttled: boolean, retries: number, randomValue: number): number {
  const cap = Number.isFinite(policy.maxDelayMs) && policy.maxDelayMs > 0 ? Math.min(policy.maxDelayMs, maxTimerDelayMs) : 0;
  const base = throttled ? policy.throttleBaseDelayMs : policy.baseDelayMs;
  const ceiling = Math.min(base * 2 ** Math.min(Math.max(retries, 0), 30), cap);
  const share = Number.isFinite(randomValue) ? Math.min(Math.max(randomValue, 0), 1) : 0;
  const delay = Math.floor(share * ceiling);
  return Number.isFinite(delay) && delay > 0 ? delay : 0;
}

/** Socket timeouts of one attempt. */
export interface RequestTimeouts {
  /** TCP + TLS handshake. */
  readonly connectionTimeoutMs: number;
  /** Until the answer's headers arrive; also the longest silence while its body streams. */
  readonly requestTimeoutMs: number;
}

/**
 * Timeouts such that one call, every attempt timing out plus the worst
 * backoff, still ends within the endpoint's interval:
 * `maxAttempts × (connection + request) + worstCaseRetryDelayMs ≤ interval`.
 * A quarter of an attempt's share goes to connecting (at most 3 s), the rest
 * to the answer (at most 30 s: longer only lets a hung socket waste the poll).
 * At the 10 s floor that is 0.7 s + 2.1 s per attempt; at 30 s, 2.4 s + 7.1 s.
 */
export function requestTimeoutsFor(intervalSeconds: number, policy: RetryPolicy): RequestTimeouts {
  const perAttemptMs = Math.floor((intervalSeconds * 1000 - worstCaseRetryDelayMs(policy)) / policy.maxAttempts);
  const connectionTimeoutMs = Math.max(500, Math.min(3000, Math.floor(perAttemptMs / 4)));
  const requestTimeoutMs = Math.max(1000, Math.min(30_000, perAttemptMs - connectionTimeoutMs));
  return { connectionTimeoutMs, requestTimeoutMs };
}

/** What the strategy needs besides its policy. */
export interface RetryStrategyDependencies {
  readonly clock: Clock;
  /** The account's request bucket (the bridge's shared one, or the adapter's own): every attempt, first or retry, takes one token. Absent: not limited. */
  readonly bucket?: RequestGate;
  /** The signal of the listing in progress; waits end when it aborts. */
  readonly signal: () => AbortSignal | undefined;
  /** Source of jitter in [0, 1). */
  readonly random?: () => number;
  /** Told about each retry (for logs and tests). */
  readonly onRetry?: (retry: { readonly attempt: number; readonly errorType: string; readonly delayMs: number }) => void;
}

const retryable: ReadonlySet<string> = new Set(['THROTTLING', 'TRANSIENT']);

/**
 * The SDK retry strategy of one connection: at most `maxAttempts` attempts
 * of throttling and transient failures only (auth and client errors fail at
 * once), exponential backoff with full jitter on the injected clock, a token
 * from the account's bucket before every attempt, and a drained bucket after
 * RequestLimitExceeded so sibling endpoints of the account slow down too.
 * The waits happen here, so tokens report a delay of zero to the SDK.
 */
export function createRetryStrategy(policy: RetryPolicy, dependencies: RetryStrategyDependencies): SdkRetryStrategy {
  const random = dependencies.random ?? Math.random;
  const token = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 });
  return {
    async acquireInitialRetryToken() {
      await dependencies.bucket?.take(dependencies.signal());
      return token(0);
    },
    async refreshRetryTokenForRetry(previous: RetryToken, errorInfo: RetryErrorInfo) {
      const retries = previous.getRetryCount();
      if (errorInfo.errorType === 'THROTTLING') dependencies.bucket?.drain();
      if (!retryable.has(errorInfo.errorType) || retries + 1 >= policy.maxAttempts) throw new Error('no retry: not retryable or out of attempts');
      const delayMs = retryDelayMs(policy, errorInfo.errorType === 'THROTTLING', retries, random());
      dependencies.onRetry?.({ attempt: retries + 2, errorType: errorInfo.errorType, delayMs });
      await dependencies.clock.sleep(delayMs, dependencies.signal());
      await dependencies.bucket?.take(dependencies.signal());
      return token(retries + 1);
    },
    recordSuccess() {
      // Nothing to give back: the account bucket refills with time, not with successes.
    },
  };
}
