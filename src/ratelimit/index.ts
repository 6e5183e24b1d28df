/**
 * Platform request rate limits shared per account (a vCenter, an OpenStack
 * project, an AWS account and region) across endpoints and replicas: a token
 * bucket per account in Redis, one Lua script timed by Redis's own clock, or
 * in memory when the cache is. Platform clients take a token before every
 * request (`RequestGate`). See README.md, "Platform rate limits".
 */
export { checkBucketSettings } from './gate.js';
export type { RequestGate, TokenBucketSettings } from './gate.js';
export { createTokenBucket } from './memory-bucket.js';
export type { TokenBucket } from './memory-bucket.js';
export { createRedisBucket, tokenBucketScript } from './redis-bucket.js';
export type { RedisBucketOptions, RedisScriptCommands } from './redis-bucket.js';
export { createPlatformRateLimiter } from './limiter.js';
export { createWaitTimer, timedGate } from './timed-gate.js';
export type { WaitTimer } from './timed-gate.js';
export type { PlatformRate, PlatformRateLimiter, PlatformRateLimiterOptions } from './limiter.js';
