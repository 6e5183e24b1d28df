// The shared request bucket against a real redis-server: several clients
// (each its own connection, as replicas are) drawing from one account's
// bucket keep together to its burst and rate, take turns, give a token back
// when their wait is aborted, and are never blocked by a Redis that is gone
// or frozen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '@keyv/redis';
import { createSystemClock } from '../../src/clock/index.js';
import { createRedisBucket, type RedisScriptCommands, type RequestGate } from '../../src/ratelimit/index.js';
import { memoryLogger } from '../support/harness.js';
import { redisCommand, startRedis, type TestServer } from '../support/servers.js';

let redis: TestServer;
const clients: Array<{ quit(): Promise<unknown>; destroy(): void }> = [];

before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const client of clients) client.destroy();
  await redis.dispose();
});

/** A new connection, configured as the cache's (commands fail at once while disconnected). */
async function connect(): Promise<RedisScriptCommands> {
  const client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client as unknown as RedisScriptCommands;
}

const clock = createSystemClock();
let keys = 0;
const freshKey = (): string => `test:v2:ratelimit:vsphere:${++keys}-${Date.now()}`;

test('eight takers on four connections share one bucket: never more than burst + rate × elapsed, at least most of it, and each connection gets a fair share', async () => {
  const settings = { capacity: 8, refillPerSecond: 40 };
  const key = freshKey();
  const gates: RequestGate[] = [];
  for (let replica = 0; replica < 4; replica++) gates.push(createRedisBucket({ redis: await connect(), key, settings, clock, logger: memoryLogger().logger }));
  const durationMs = 1500;
  const started = Date.now();
  const grants: number[] = [];
  const perReplica = [0, 0, 0, 0];
  const taker = async (replica: number): Promise<void> => {
    const gate = gates[replica] as RequestGate;
    while (Date.now() - started < durationMs) {
      await gate.take(AbortSignal.timeout(5000));
      grants.push(Date.now());
      perReplica[replica] = (perReplica[replica] ?? 0) + 1;
    }
  };
  await Promise.all([0, 1, 2, 3, 0, 1, 2, 3].map(taker));
  // The bucket's promise, checked at every grant: by time t at most capacity + rate × (t − start) tokens were handed out (1 of slack for ms rounding).
  grants.sort((a, b) => a - b);
  grants.forEach((at, index) => {
    const allowed = settings.capacity + (settings.refillPerSecond * (at - started)) / 1000 + 1;
    assert.ok(index + 1 <= allowed, `grant ${index + 1} at +${at - started} ms exceeds the bucket (${allowed.toFixed(1)} allowed by then)`);
  });
  const expected = settings.capacity + (settings.refillPerSecond * durationMs) / 1000;
  assert.ok(grants.length >= expected * 0.6, `only ${grants.length} of about ${expected} tokens were handed out`);
  const mean = grants.length / 4;
  for (const [replica, count] of perReplica.entries()) assert.ok(count >= mean * 0.5, `connection ${replica} got ${count} tokens, under half the mean ${mean} (${perReplica.join(', ')})`);
  const lastMs = (grants[grants.length - 1] ?? started) - started;
  console.log(`shared bucket, 40/s burst 8, 8 takers on 4 connections: ${grants.length} grants in ${lastMs} ms (the bucket allows ${(settings.capacity + (settings.refillPerSecond * lastMs) / 1000).toFixed(0)}), per connection ${perReplica.join(', ')}`);
});

test('a burst is served at once, and the next take waits for the refill', async () => {
  const gate = createRedisBucket({ redis: await connect(), key: freshKey(), settings: { capacity: 5, refillPerSecond: 5 }, clock, logger: memoryLogger().logger });
  const started = Date.now();
  for (let taken = 0; taken < 5; taken++) await gate.take();
  assert.ok(Date.now() - started < 500, 'the five tokens of a full bucket are taken without waiting');
  await gate.take();
  assert.ok(Date.now() - started >= 150, `the sixth waits about 200 ms for the refill (waited ${Date.now() - started} ms)`);
});

test('an aborted wait rejects with the signal\'s reason at once and gives its token back', async () => {
  const key = freshKey();
  const gate = createRedisBucket({ redis: await connect(), key, settings: { capacity: 1, refillPerSecond: 0.5 }, clock, logger: memoryLogger().logger });
  await gate.take();
  const controller = new AbortController();
  const reason = new Error('poll removed');
  const started = Date.now();
  const waiting = gate.take(controller.signal);
  setTimeout(() => controller.abort(reason), 100);
  await assert.rejects(waiting, (error) => error === reason);
  assert.ok(Date.now() - started < 1000, 'the wait (2 s for the refill) ended with the abort');
  // The refund runs after the rejection; the reservation (tokens near −1) must disappear.
  let tokens = Number.NaN;
  for (let attempt = 0; attempt < 50 && !(tokens > -0.5); attempt++) {
    tokens = Number(await redisCommand(redis, 'HGET', key, 'tokens'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(tokens > -0.5, `the aborted take's token was given back (tokens ${tokens})`);
});

test('drain empties the shared bucket: another connection then waits for the refill', async () => {
  const key = freshKey();
  const settings = { capacity: 10, refillPerSecond: 5 };
  const first = createRedisBucket({ redis: await connect(), key, settings, clock, logger: memoryLogger().logger });
  const second = createRedisBucket({ redis: await connect(), key, settings, clock, logger: memoryLogger().logger });
  await first.take();
  first.drain();
  for (let attempt = 0; attempt < 50 && Number(await redisCommand(redis, 'HGET', key, 'tokens')) > 1; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  await second.take();
  assert.ok(Date.now() - started >= 100, `the other replica's take waited for the refill after the drain (${Date.now() - started} ms)`);
});

test('Redis frozen (SIGSTOP) or stopped: takes are limited per replica by the local bucket and never wait for Redis beyond its timeout', async () => {
  const { logger, lines } = memoryLogger();
  const connection = await connect();
  const gate = createRedisBucket({ redis: connection, key: freshKey(), settings: { capacity: 3, refillPerSecond: 10 }, clock, logger, redisTimeoutMs: 200, retryRedisAfterMs: 60_000 });
  await gate.take();
  redis.pause();
  try {
    const started = Date.now();
    await gate.take(AbortSignal.timeout(5000));
    const frozenMs = Date.now() - started;
    assert.ok(frozenMs >= 150 && frozenMs < 1500, `a frozen Redis cost one timeout (${frozenMs} ms), then the local bucket answered`);
    // The local bucket (3 tokens, 10/s) now limits: the fifth take since has to wait for its refill.
    const local = Date.now();
    for (let taken = 0; taken < 4; taken++) await gate.take(AbortSignal.timeout(5000));
    assert.ok(Date.now() - local >= 50, 'the local stand-in still limits the rate');
    assert.ok(lines.some((line) => line.includes('limited per replica until Redis answers')), 'the fallback is logged');
  } finally {
    redis.resume();
  }
  await redis.stop();
  try {
    const stoppedGate = createRedisBucket({ redis: connection, key: freshKey(), settings: { capacity: 2, refillPerSecond: 10 }, clock, logger: memoryLogger().logger, redisTimeoutMs: 200 });
    const started = Date.now();
    await stoppedGate.take(AbortSignal.timeout(5000));
    assert.ok(Date.now() - started < 1000, 'a stopped Redis fails the command at once; the local bucket answers');
  } finally {
    await redis.restart();
  }
});

test('a Redis that forgot the script (restarted, SCRIPT FLUSH) is sent it again: takes go on against the same bucket', async () => {
  const key = freshKey();
  const gate = createRedisBucket({ redis: await connect(), key, settings: { capacity: 3, refillPerSecond: 1 }, clock, logger: memoryLogger().logger });
  await gate.take();
  assert.equal(await redisCommand(redis, 'SCRIPT', 'FLUSH'), 'OK');
  await gate.take();
  const tokens = Number(await redisCommand(redis, 'HGET', key, 'tokens'));
  assert.ok(tokens > 0.9 && tokens < 1.5, `two of three tokens taken from the one bucket (${tokens} left)`);
});
