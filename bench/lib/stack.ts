import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { redisCommand, startNats, startRedis, type TestServer } from '../../test/support/servers.js';
import type { Cleanup } from './cleanup.js';

/** DCM's stream as the bridge expects it (the bridge never creates one on dcm.*), and the floor publisher's twin. */
export const dcmStream = { name: 'dcm-status', subjects: ['dcm.*'] } as const;
export const floorStream = { name: 'bench-floor', subjects: ['floor.*'] } as const;

/** What a stream stored, with its first and last storage times in ms (nanosecond stamps kept to the µs). */
export interface StreamReading {
  readonly messages: number;
  readonly bytes: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly lastSeq: number;
}

/** The real Redis and JetStream the bridge and the floors share, one of each for the whole run. */
export interface BenchStack {
  readonly redis: TestServer;
  readonly nats: TestServer;
  /** Deletes and creates the stream: empty, its duplicate window fresh. */
  resetStream(stream: { readonly name: string; readonly subjects: readonly string[] }): Promise<void>;
  purge(streamName: string): Promise<void>;
  read(streamName: string): Promise<StreamReading>;
  /** Body size of the stream's last message. */
  lastBodyBytes(streamName: string): Promise<number>;
  /** Total calls in Redis's `INFO commandstats`. */
  redisCalls(): Promise<number>;
  /** The median length of up to 20 string values under `namespace:` (the bridge's cached records). */
  recordBytes(namespace: string): Promise<number | undefined>;
}

/** RFC 3339 with up to nanoseconds → ms since the epoch, keeping the sub-millisecond part. */
export function parseNanoTimestamp(stamp: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(stamp);
  if (!match) return Date.parse(stamp);
  const fraction = (match[2] ?? '').padEnd(9, '0').slice(0, 9);
  return Date.parse(`${match[1]}Z`) + Number(fraction) / 1e6;
}

export async function startBenchStack(cleanup: Cleanup): Promise<BenchStack> {
  const redis = await startRedis();
  cleanup.add('redis-server', () => redis.dispose());
  const nats = await startNats();
  cleanup.add('nats-server', () => nats.dispose());
  const connection: NatsConnection = await connect({ servers: nats.url, noAsyncTraces: true });
  cleanup.add('NATS connection', () => connection.close());
  const manager: JetStreamManager = await jetstreamManager(connection);

  return {
    redis,
    nats,
    async resetStream(stream) {
      await manager.streams.delete(stream.name).catch(() => undefined);
      // DCM's stream: file storage, the default two-minute duplicate window.
      await manager.streams.add({ name: stream.name, subjects: [...stream.subjects], duplicate_window: 120_000 * 1_000_000 });
    },
    async purge(streamName) {
      await manager.streams.purge(streamName);
    },
    async read(streamName) {
      const { state } = await manager.streams.info(streamName);
      return { messages: state.messages, bytes: state.bytes, firstMs: parseNanoTimestamp(state.first_ts), lastMs: parseNanoTimestamp(state.last_ts), lastSeq: state.last_seq };
    },
    async lastBodyBytes(streamName) {
      const { state } = await manager.streams.info(streamName);
      const message = await manager.streams.getMessage(streamName, { seq: state.last_seq });
      return message?.data.length ?? 0;
    },
    async redisCalls() {
      const info = await redisCommand(redis, 'info', 'commandstats');
      return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    },
    async recordBytes(namespace) {
      const scan = (await redisCommand(redis, 'scan', '0', 'match', `${namespace}:*`, 'count', '2000')).split('\n').slice(1).filter(Boolean);
      const lengths: number[] = [];
      for (const key of scan.slice(0, 60)) {
        if (lengths.length >= 20) break;
        if ((await redisCommand(redis, 'type', key)) !== 'string') continue;
        lengths.push(Number(await redisCommand(redis, 'strlen', key)));
      }
      lengths.sort((a, b) => a - b);
      return lengths.length > 0 ? lengths[Math.floor(lengths.length / 2)] : undefined;
    },
  };
}
