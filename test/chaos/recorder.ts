import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { retryWhileReconnecting } from '../support/jetstream-consumer.js';

/** DCM's stream, as DCM creates it: `dcm-status` on `dcm.*`, a 2-minute duplicate window. */
export const dcmStream = { name: 'dcm-status', subjects: ['dcm.*'], duplicateWindowMs: 120_000 } as const;

/** One status event as DCM's consumer reads it from the stream. */
export interface DeliveredEvent {
  readonly streamSequence: number;
  /** When the stream stored it (epoch ms). */
  readonly storedAt: number;
  /** CloudEvent id (also the JetStream `Nats-Msg-Id`). */
  readonly id: string;
  /** `data.id`: the DCM instance id. */
  readonly instanceId: string;
  readonly status: string;
  /** The `dcmpreviousstatus` extension; absent on a first sighting or a re-announcement. */
  readonly previousStatus: string | undefined;
  /** The `dcmresync` extension: a re-publication of an unchanged state. */
  readonly resync: boolean;
  /** `time`: when the bridge's poll that observed the state started (epoch ms). */
  readonly observedAt: number;
  /** Set when the body is not a status CloudEvent; says what is wrong. */
  readonly malformed?: string;
  /** The body as stored, for the secret scan. */
  readonly body: string;
}

/**
 * DCM's side of the broker during a fault run. Creates the stream (DCM owns
 * it; the bridge never creates it), watches `dcm.*` live with a core
 * subscription, which sees every publish at once (copies the stream drops
 * included) and so can trigger faults "right after an event", follows the
 * stream with an ordered consumer for DCM's current view (it resumes after
 * a broker restart where a core subscription misses what was published
 * before it re-subscribed), and reads the stream back at the end, which is
 * what DCM's consumer receives.
 */
export interface EventRecorder {
  /** Resolves true at the next event published on `dcm.*`, false after `timeoutMs`. */
  nextPublished(timeoutMs: number): Promise<boolean>;
  /** Last status per DCM instance id in the stream read so far (for convergence checks; the judge reads the whole stream at the end). */
  liveLastStatus(): ReadonlyMap<string, string>;
  /** Events seen live so far. */
  liveCount(): number;
  /** Epoch ms of the latest live sighting or stream message read; 0 before the first. */
  lastPublishedAt(): number;
  /** Everything the stream holds, in stream order. Retries while the broker is coming back. */
  readStream(): Promise<DeliveredEvent[]>;
  close(): Promise<void>;
}

/** Options of {@link startRecorder}. */
export interface RecorderOptions {
  readonly natsUrl: string;
  readonly user: string;
  readonly password: string;
}

/** Connects as DCM, creates `dcm-status` and starts watching. */
export async function startRecorder(options: RecorderOptions): Promise<EventRecorder> {
  const connection: NatsConnection = await connect({ servers: options.natsUrl, user: options.user, pass: options.password, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const manager = await jetstreamManager(connection);
  await manager.streams.add({ name: dcmStream.name, subjects: [...dcmStream.subjects], duplicate_window: dcmStream.duplicateWindowMs * 1_000_000 });
  const client = jetstream(connection);

  const lastStatus = new Map<string, string>();
  let count = 0;
  let lastAt = 0;
  const waiters = new Set<() => void>();
  const subscription: Subscription = connection.subscribe('dcm.*', {
    callback: (error) => {
      if (error) return;
      count++;
      lastAt = Date.now();
      for (const wake of [...waiters]) wake();
    },
  });
  // DCM's view, in stream order. An ordered consumer's messages end when the broker is killed under
  // it: a new one then starts after the last sequence read, until the recorder closes.
  let closed = false;
  let readThrough = 0;
  let following: { stop(): void } | undefined;
  const follow = async (): Promise<void> => {
    while (!closed) {
      try {
        const consumer = await client.consumers.get(dcmStream.name, readThrough === 0 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: readThrough + 1 });
        const messages = await consumer.consume({ max_messages: 1000 });
        following = messages;
        for await (const message of messages) {
          const event = parseStatusEvent(message.string());
          if (event.instanceId) lastStatus.set(event.instanceId, event.status);
          readThrough = message.seq;
          lastAt = Date.now();
        }
      } catch {
        // The broker is away: try again shortly.
      }
      if (!closed) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const followingDone = follow();

  return {
    nextPublished(timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          resolve(false);
        }, timeoutMs);
        const wake = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(true);
        };
        waiters.add(wake);
      });
    },
    liveLastStatus: () => lastStatus,
    liveCount: () => count,
    lastPublishedAt: () => lastAt,
    async readStream() {
      const info = await retryWhileReconnecting(() => manager.streams.info(dcmStream.name), 20_000);
      const lastSequence = info.state.last_seq;
      if (info.state.messages === 0) return [];
      const consumer = await retryWhileReconnecting(() => client.consumers.get(dcmStream.name, { deliver_policy: DeliverPolicy.All }), 20_000);
      const events: DeliveredEvent[] = [];
      const messages = await consumer.consume({ max_messages: 1000 });
      const stall = setTimeout(() => messages.stop(), 60_000);
      try {
        for await (const message of messages) {
          const parsed = parseStatusEvent(message.string());
          events.push({ ...parsed, streamSequence: message.seq, storedAt: message.time.getTime(), body: message.string() });
          if (message.seq >= lastSequence) break;
        }
      } finally {
        clearTimeout(stall);
        messages.stop();
        await consumer.delete().catch(() => undefined);
      }
      if (events.length !== info.state.messages) throw new Error(`read ${events.length} of the stream's ${info.state.messages} messages`);
      return events;
    },
    async close() {
      closed = true;
      following?.stop();
      subscription.unsubscribe();
      await connection.close();
      await followingDone;
    },
  };
}

type ParsedEvent = Omit<DeliveredEvent, 'streamSequence' | 'storedAt' | 'body'>;

/** Reads a status CloudEvent's fields; a body that is not one comes back with `malformed` saying why. */
export function parseStatusEvent(body: string): ParsedEvent {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return { id: '', instanceId: '', status: '', previousStatus: undefined, resync: false, observedAt: Number.NaN, malformed: 'not JSON' };
  }
  const fields = (event ?? {}) as Record<string, unknown>;
  const data = (fields['data'] ?? {}) as Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const parsed: ParsedEvent = {
    id: text(fields['id']),
    instanceId: text(data['id']),
    status: text(data['status']),
    previousStatus: typeof fields['dcmpreviousstatus'] === 'string' ? fields['dcmpreviousstatus'] : undefined,
    resync: fields['dcmresync'] === true,
    observedAt: Date.parse(text(fields['time'])),
  };
  const missing = (['id', 'instanceId', 'status'] as const).filter((key) => parsed[key] === '');
  if (missing.length > 0 || Number.isNaN(parsed.observedAt)) return { ...parsed, malformed: `missing ${[...missing, ...(Number.isNaN(parsed.observedAt) ? ['time'] : [])].join(', ')}` };
  return parsed;
}

