/**
 * The storm floor of `npm run bench` (#12): the least a storm poll must do,
 * in its own process, with nothing of the bridge's. It pages the same listing
 * as the fetch floor (`listers.ts`) and,
 * for every page: one `MGET` of the page's keys (a poll must know the states
 * it had), one JetStream publish per VM (a body of the bridge's event size,
 * `Nats-Msg-Id`, `noAsyncTraces`, its ack awaited as `stream-publish.ts`
 * does, the bridge's window of acks in flight, kept full across pages) and
 * one `MULTI` of the page's `SET`s (records of the
 * bridge's size), not awaited before the next page is asked for. One
 * unmeasured storm first warms it up as the bridge is warm when a storm
 * comes (connections, token, compiled code, the keys in Redis); its events
 * are purged from the stream before the measured one.
 *
 * Where the JetStream floor says how fast JetStream stores on its own, this
 * says how fast the platform, Redis and JetStream together let a storm go on
 * this machine: the listing and the publishing share its cores. Prints
 * `{ wallMs, cpuUs, stored, peakRssMb }` as one JSON line on stdout; the bench
 * reads the rate off the stream's first and last storage times, as for the bridge.
 *
 * Settings as JSON in `$BENCH_FLOOR` ({@link StormFloorSettings}).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createClient } from '@redis/client';
import { bodyOf } from './event-body.js';
import { closeListers, createLister, type ListerSettings } from './listers.js';
import { createStreamPublish } from './stream-publish.js';

/** What a storm floor process is told. */
export interface StormFloorSettings extends ListerSettings {
  readonly natsUrl: string;
  /** The stream `subject` is stored in: purged after the warm-up storm. */
  readonly streamName: string;
  readonly subject: string;
  /** Bytes of each message body. */
  readonly bodyBytes: number;
  /** Acks in flight at once. */
  readonly window: number;
  readonly redisUrl: string;
  /** Key prefix of the floor's own keys (removed at the end). */
  readonly keyPrefix: string;
  /** Bytes of each stored record. */
  readonly recordBytes: number;
}

const settings = JSON.parse(process.env['BENCH_FLOOR'] ?? '{}') as StormFloorSettings;
/** Message ids unique to this run, so a repeat on the same stream is never taken for a duplicate. */
const runNonce = Date.now().toString(36);

/** Publishes with at most `window` acks outstanding; `publish` waits only while the window is full. */
function createWindowedPublisher(send: (id: string) => Promise<unknown>, window: number) {
  let inFlight = 0;
  let stored = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    inFlight--;
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  return {
    async publish(id: string): Promise<void> {
      while (inFlight >= window) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      inFlight++;
      send(id).then(
        () => {
          stored++;
          settle();
        },
        (error: unknown) => {
          failure ??= error;
          settle();
        },
      );
    },
    async drain(): Promise<number> {
      while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      return stored;
    },
  };
}

async function main(): Promise<void> {
  const list = await createLister(settings);
  const connection = await connect({ servers: settings.natsUrl, noAsyncTraces: true });
  const streamPublish = createStreamPublish(connection);
  const redis = createClient({ url: settings.redisUrl });
  await redis.connect();
  const record = 'r'.repeat(settings.recordBytes);
  const keyOf = (id: string): string => `${settings.keyPrefix}:${id}`;
  /** One storm: every VM listed, its key read, an event published, its record written; resolves to the events stored. */
  const storm = async (pass: number): Promise<number> => {
    const publisher = createWindowedPublisher((id) => streamPublish(settings.subject, bodyOf(id, settings.bodyBytes), `${id}:${runNonce}:${pass}`), settings.window);
    const writes: Promise<unknown>[] = [];
    await list(async (ids) => {
      if (ids.length === 0) return;
      const keys = ids.map(keyOf);
      const before = await redis.mGet(keys);
      if (before.length !== keys.length) throw new Error(`MGET answered ${before.length} values for ${keys.length} keys`);
      for (const id of ids) await publisher.publish(id);
      const multi = redis.multi();
      for (const key of keys) multi.set(key, record);
      writes.push(multi.exec());
    });
    const stored = await publisher.drain();
    await Promise.all(writes);
    return stored;
  };

  await storm(0);
  await (await jetstreamManager(connection)).streams.purge(settings.streamName);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const stored = await storm(1);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ wallMs, cpuUs: cpu.user + cpu.system, stored, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 })}\n`);

  const leftovers = await redis.keys(`${settings.keyPrefix}:*`);
  for (let index = 0; index < leftovers.length; index += 1000) await redis.del(leftovers.slice(index, index + 1000));
  await redis.quit();
  await connection.close();
  await closeListers();
}

main().catch((error: unknown) => {
  process.stderr.write(`storm floor (${settings.kind}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  // Its NATS, Redis and HTTP connections would keep a failed floor alive until the bench's timeout.
  process.exit(1);
});
