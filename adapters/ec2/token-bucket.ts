import type { Clock } from '../../src/clock/index.js';
import { createTokenBucket, type TokenBucket, type TokenBucketSettings } from '../../src/ratelimit/index.js';

// The bucket itself lives in src/ratelimit (the bridge's in-memory buckets are the same); re-exported for this adapter's users.
export { createTokenBucket };
export type { TokenBucket, TokenBucketSettings };

/**
 * Half of EC2's published request bucket for non-mutating (Describe*) actions
 * (100 tokens, 20 per second, per account and region): the bridge shares the
 * account's bucket with the console, IaC tools and other automation, so it
 * keeps the other half for them. See README.md ("Throttling"). The
 * bridge's `rateLimits.ec2` defaults to the same; a lab connecting the
 * adapter without the bridge passes it as `createEc2Adapter({ bucket })`.
 */
export const defaultBucketSettings: TokenBucketSettings = Object.freeze({ capacity: 50, refillPerSecond: 10 });

/**
 * Token buckets by account, shared by every endpoint of that account in one
 * adapter instance: the adapter's own limit, when it is given one
 * (`createEc2Adapter({ bucket })`: a lab or a test connecting the adapter
 * directly). Under the bridge, `rateLimits.ec2` applies instead, and
 * `requestsPerSecond: 0` there means no limit.
 */
export interface AccountBuckets {
  /**
   * The bucket of `accountKey`, created on first use on `clock` (one bridge
   * has one clock, so the first caller's serves every later one).
   */
  forAccount(accountKey: string, clock: Clock): TokenBucket;
  /** Accounts with a bucket so far. */
  size(): number;
}

/** Creates an empty registry; one per adapter instance, never a module global. */
export function createAccountBuckets(settings: TokenBucketSettings = defaultBucketSettings): AccountBuckets {
  const buckets = new Map<string, TokenBucket>();
  return {
    forAccount(accountKey, clock) {
      let bucket = buckets.get(accountKey);
      if (!bucket) {
        bucket = createTokenBucket(settings, clock);
        buckets.set(accountKey, bucket);
      }
      return bucket;
    },
    size: () => buckets.size,
  };
}
