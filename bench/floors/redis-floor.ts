/**
 * The Redis floor of `npm run bench` (#12): a minimal client, in its own
 * process, on the `redis` client `@keyv/redis` is built on (`createClient`
 * of `@redis/client`), doing the least a poll must do per 1,000 instances:
 * a steady poll one MGET of 1,000 keys holding records of the bridge's size;
 * a storm one MULTI of 1,000 SETs. Prints `{ mgetMs, multiSetMs }` (medians
 * of `rounds`, ms per 1,000 keys) as one JSON line on stdout.
 *
 * Settings as JSON in `$BENCH_FLOOR` ({@link RedisFloorSettings}).
 */
import { createClient } from '@redis/client';

/** What a Redis floor process is told. */
export interface RedisFloorSettings {
  readonly redisUrl: string;
  /** Key prefix of the floor's own keys (removed at the end). */
  readonly prefix: string;
  /** Bytes of each record. */
  readonly recordBytes: number;
  readonly rounds: number;
}

const settings = JSON.parse(process.env['BENCH_FLOOR'] ?? '{}') as RedisFloorSettings;
const batch = 1000;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const client = createClient({ url: settings.redisUrl });
  await client.connect();
  const keys = Array.from({ length: batch }, (_, index) => `${settings.prefix}:${String(index).padStart(6, '0')}`);
  const record = 'r'.repeat(settings.recordBytes);
  const setRounds: number[] = [];
  const getRounds: number[] = [];
  // One unmeasured round of each first: the connection and the keys exist, as in a warm bridge.
  for (let round = 0; round <= settings.rounds; round++) {
    let started = performance.now();
    const multi = client.multi();
    for (const key of keys) multi.set(key, record);
    await multi.exec();
    if (round > 0) setRounds.push(performance.now() - started);
    started = performance.now();
    const values = await client.mGet(keys);
    if (values.length !== batch) throw new Error(`MGET answered ${values.length} values`);
    if (round > 0) getRounds.push(performance.now() - started);
  }
  await client.del(keys);
  process.stdout.write(`${JSON.stringify({ mgetMs: median(getRounds), multiSetMs: median(setRounds) })}\n`);
  await client.quit();
}

main().catch((error: unknown) => {
  process.stderr.write(`Redis floor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
