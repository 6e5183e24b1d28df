import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import type { RequestGate } from './gate.js';
import { createTokenBucket } from './memory-bucket.js';
import { createRedisBucket, type RedisScriptCommands } from './redis-bucket.js';

/** A platform's request rate, as configured (`rateLimits.<platform>`). */
export interface PlatformRate {
  /** Sustained requests per second per account; 0 turns the limit off. */
  readonly requestsPerSecond: number;
  /** Requests allowed at once after a quiet spell (the bucket's size). */
  readonly burst: number;
}

/** What {@link createPlatformRateLimiter} is built from. */
export interface PlatformRateLimiterOptions {
  /** Rates by platform name; a platform absent here (or at 0 per second) is not limited. */
  readonly rates: Readonly<Record<string, PlatformRate>>;
  /** The cache's Redis client; absent (in-memory cache) → buckets in this process only. */
  readonly redis?: RedisScriptCommands;
  /** The cache namespace; bucket keys are `<namespace>:v2:ratelimit:<platform>:<account hash>`. */
  readonly namespace: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Passed to each Redis bucket (tests shorten them). */
  readonly redisTimeoutMs?: number;
  readonly retryRedisAfterMs?: number;
}

/** Request gates by platform and account, shared by every endpoint of an account. */
export interface PlatformRateLimiter {
  /**
   * The gates of `platform`'s accounts, or undefined when the platform is not
   * limited. The same account key always answers the same gate, so the
   * endpoints of one account in this process share its local state too.
   */
  forPlatform(platform: string): ((accountKey: string) => RequestGate) | undefined;
}

/**
 * Creates the bridge's request limiter: a token bucket per platform account
 * in Redis (shared across replicas, timed by Redis) or, with an in-memory
 * cache, in this process. Account keys are hashed into the bucket key: they
 * may hold an access key id, which has no business in a Redis key listing.
 */
export function createPlatformRateLimiter(options: PlatformRateLimiterOptions): PlatformRateLimiter {
  const gates = new Map<string, RequestGate>();
  return {
    forPlatform(platform) {
      const rate = options.rates[platform];
      if (!rate || rate.requestsPerSecond <= 0) return undefined;
      const settings = { capacity: Math.max(1, rate.burst), refillPerSecond: rate.requestsPerSecond };
      return (accountKey) => {
        const key = `${options.namespace}:v2:ratelimit:${platform}:${createHash('sha256').update(accountKey).digest('hex').slice(0, 32)}`;
        let gate = gates.get(key);
        if (!gate) {
          gate = options.redis
            ? createRedisBucket({
                redis: options.redis,
                key,
                settings,
                clock: options.clock,
                logger: options.logger.child({ platform }),
                ...(options.redisTimeoutMs !== undefined ? { redisTimeoutMs: options.redisTimeoutMs } : {}),
                ...(options.retryRedisAfterMs !== undefined ? { retryRedisAfterMs: options.retryRedisAfterMs } : {}),
              })
            : createTokenBucket(settings, options.clock);
          gates.set(key, gate);
        }
        return gate;
      };
    },
  };
}
