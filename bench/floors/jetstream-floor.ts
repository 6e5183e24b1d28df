/**
 * The JetStream floor of `npm run bench` (#12): a minimal publisher, in its
 * own process, storing `count` events into a stream of the same kind as
 * DCM's (file storage, the default duplicate window), with what the bridge's
 * publisher uses: `@nats-io/transport-node` with `noAsyncTraces`, a
 * publish with a `Nats-Msg-Id` awaiting its ack (`stream-publish.ts`), the
 * bridge's window of acks in flight (`publisher.maxInFlight`), bodies of the bridge's events'
 * size. The window stays full: a new publish starts as soon as any ack
 * arrives. Prints `{ wallMs, cpuUs, stored, peakRssMb }` as one JSON line on stdout;
 * the bench reads the rate off the stream's first and last storage times.
 *
 * Settings as JSON in `$BENCH_FLOOR` ({@link JetStreamFloorSettings}).
 */
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { bodyOf } from './event-body.js';
import { createStreamPublish } from './stream-publish.js';

/** What a JetStream floor process is told. */
export interface JetStreamFloorSettings {
  readonly natsUrl: string;
  readonly subject: string;
  readonly count: number;
  /** Bytes of each message body. */
  readonly bodyBytes: number;
  /** Acks in flight at once. */
  readonly window: number;
}

const settings = JSON.parse(process.env['BENCH_FLOOR'] ?? '{}') as JetStreamFloorSettings;

async function main(): Promise<void> {
  const connection = await connect({ servers: settings.natsUrl, noAsyncTraces: true });
  const publish = createStreamPublish(connection);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let stored = 0;
  await Promise.all(
    Array.from({ length: Math.min(settings.window, settings.count) }, async () => {
      while (next < settings.count) {
        next++;
        const id = randomUUID();
        await publish(settings.subject, bodyOf(id, settings.bodyBytes), id);
        stored++;
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`${JSON.stringify({ wallMs, cpuUs: cpu.user + cpu.system, stored, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 })}\n`);
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`JetStream floor failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
