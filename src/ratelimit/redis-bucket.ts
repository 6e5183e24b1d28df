import type { Logger } from 'pino';
import { luaScript, runScript, type ScriptClient } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import { checkBucketSettings, type RequestGate, type TokenBucketSettings } from './gate.js';
import { createTokenBucket, type TokenBucket } from './memory-bucket.js';

/** What the Redis bucket needs of a node-redis client: one raw command (the cache's `coordination.redis`). */
export type RedisScriptCommands = ScriptClient;

/**
 * The whole bucket, in one script so that every replica's take is atomic and
 * the time is Redis's own (`TIME`), never a replica's clock.
 *
 * KEYS[1] is a hash {tokens, at}; ARGV = mode (`take`, `refund`, `drain`),
 * tokens per second, capacity. A take reserves one token, letting the count
 * go below zero, and answers how many milliseconds until the refill has paid
 * for it: takers are thus served in the order they reached Redis, with one
 * round trip each and no polling. The key expires once the bucket would be
 * full again, so an idle account leaves nothing behind.
 */
export const tokenBucketScript = luaScript(`
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
  at = now
end
local wait = 0
if ARGV[1] == 'take' then
  tokens = tokens - 1
  if tokens < 0 then wait = math.ceil(-tokens * 1000 / rate) end
elseif ARGV[1] == 'refund' then
  tokens = math.min(capacity, tokens + 1)
elseif ARGV[1] == 'drain' then
  if tokens > 0 then tokens = 0 end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) * 1000 / rate) + 1000)
return wait
`);

/** Everything one account's Redis bucket is built from. */
export interface RedisBucketOptions {
  readonly redis: RedisScriptCommands;
  /** The bucket's key (`<ns>:v2:ratelimit:<platform>:<account hash>`). */
  readonly key: string;
  readonly settings: TokenBucketSettings;
  /** Waits for tokens and times Redis calls. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** A Redis call that takes longer counts as failed. Default 1,000 ms. */
  readonly redisTimeoutMs?: number;
  /** After a failure, Redis is asked again only this much later; meanwhile the local bucket serves. Default 5,000 ms. */
  readonly retryRedisAfterMs?: number;
  /** The in-process bucket used while Redis fails; default one of the same settings on `clock`. */
  readonly fallback?: TokenBucket;
}

/**
 * One account's token bucket in Redis, shared by every endpoint of that
 * account on every replica.
 *
 * When Redis fails or does not answer within `redisTimeoutMs`, takes go to an
 * in-process bucket of the same rate until `retryRedisAfterMs` has passed
 * (fail over, neither open nor closed): a request is never blocked for want
 * of Redis, and each replica still keeps to the configured rate on its own,
 * so N replicas send at most N times the rate during the outage. A poll needs
 * Redis to start anyway (it records its start there first), so only polls
 * already under way meet this.
 */
export function createRedisBucket(options: RedisBucketOptions): RequestGate {
  checkBucketSettings(options.settings);
  const { clock, logger, key } = options;
  const redisTimeoutMs = options.redisTimeoutMs ?? 1000;
  const retryRedisAfterMs = options.retryRedisAfterMs ?? 5000;
  const fallback = options.fallback ?? createTokenBucket(options.settings, clock);
  const argsOf = (mode: 'take' | 'refund' | 'drain'): string[] => [mode, String(options.settings.refillPerSecond), String(options.settings.capacity)];
  let redisFailedAt: number | undefined;

  const evaluate = async (mode: 'take' | 'refund' | 'drain'): Promise<number> => {
    const reply = await runScript(options.redis, tokenBucketScript, [key], argsOf(mode));
    const waitMs = Number(reply);
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new Error(`the token bucket script answered ${JSON.stringify(reply)}, not a wait in ms`);
    return waitMs;
  };

  /** `evaluate`, failed after `redisTimeoutMs`; a late answer is ignored (a take then refunds its token). */
  const evaluateWithin = (mode: 'take' | 'refund' | 'drain', signal: AbortSignal | undefined): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (action: () => void): void => {
        if (settled) return;
        settled = true;
        clock.cancel(timer);
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const timer = clock.schedule(redisTimeoutMs, () => settle(() => reject(new Error(`no answer from Redis within ${redisTimeoutMs} ms`))));
      const onAbort = (): void => settle(() => reject(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      evaluate(mode).then(
        (waitMs) => {
          if (settled && mode === 'take') void evaluate('refund').catch(() => undefined);
          settle(() => resolve(waitMs));
        },
        (error: unknown) => settle(() => reject(error)),
      );
    });

  const redisUsable = (): boolean => redisFailedAt === undefined || clock.now() - redisFailedAt >= retryRedisAfterMs;
  const redisFailed = (error: unknown): void => {
    if (redisFailedAt === undefined) logger.warn({ err: error, bucket: key }, `the shared request bucket in Redis failed: requests of this account are limited per replica until Redis answers (retried every ${retryRedisAfterMs / 1000} s)`);
    redisFailedAt = clock.now();
  };
  const redisAnswered = (): void => {
    if (redisFailedAt !== undefined) logger.info({ bucket: key }, 'the shared request bucket in Redis answers again');
    redisFailedAt = undefined;
  };

  return {
    async take(signal) {
      if (signal?.aborted) throw signal.reason;
      if (!redisUsable()) return fallback.take(signal);
      let waitMs: number;
      try {
        waitMs = await evaluateWithin('take', signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        redisFailed(error);
        return fallback.take(signal);
      }
      redisAnswered();
      if (waitMs === 0) return;
      try {
        await clock.sleep(waitMs, signal);
      } catch (error) {
        // The reservation is given back, so an abandoned wait does not hold up the others.
        void evaluate('refund').catch(() => undefined);
        throw error;
      }
    },
    drain() {
      fallback.drain();
      if (redisUsable()) void evaluateWithin('drain', undefined).catch((error: unknown) => redisFailed(error));
    },
  };
}
