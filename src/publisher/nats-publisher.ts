import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../errors/index.js';
import { mapBounded, type EventPublisher, type PublishOutcome } from './publisher.js';

export interface NatsPublisherOptions {
  /** One or more server URLs, comma-separated. */
  readonly url: string;
  readonly jetstream: boolean;
  /** Create `streamName` on `dcm.*` when missing (standalone setups only). */
  readonly createStream: boolean;
  readonly streamName: string;
  readonly maxInFlight: number;
  readonly ackTimeoutMs: number;
  readonly user?: string | null;
  readonly password?: string | null;
  readonly token?: string | null;
  readonly connectionName: string;
  readonly logger: Logger;
}

/** Subjects DCM's own stream captures; the bridge never creates a stream on them unless told to. */
export const dcmSubjects = 'dcm.*';

/**
 * Publishes to NATS. With `jetstream` each event goes out with
 * `Nats-Msg-Id` = its CloudEvent id and counts only once the stream acks it;
 * otherwise core NATS publishes are confirmed by a flush (at-most-once).
 *
 * The connection is made in the background and retried forever, so a bridge
 * whose NATS is down keeps running: its publishes fail, its polls back off,
 * and nothing is committed until the broker is back.
 */
export function createNatsPublisher(options: NatsPublisherOptions): EventPublisher {
  const servers = options.url.split(',').map((server) => server.trim()).filter(Boolean);
  const logger = options.logger;
  let connection: NatsConnection | undefined;
  let client: JetStreamClient | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  let reconnecting = false;

  const ready: Promise<NatsConnection> = connect({
    servers,
    name: options.connectionName,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    ...(options.user ? { user: options.user } : {}),
    ...(options.password ? { pass: options.password } : {}),
    ...(options.token ? { token: options.token } : {}),
  }).then(async (established) => {
    connection = established;
    logger.info({ server: established.getServer() }, 'connected to NATS');
    void watchStatus(established, logger, (up) => {
      reconnecting = !up;
    });
    if (options.jetstream) {
      client = jetstream(established, { timeout: options.ackTimeoutMs });
      if (options.createStream) await ensureStream(established, options.streamName, logger);
    }
    return established;
  });
  ready.catch((error: unknown) => {
    if (!closed) logger.error({ err: error }, 'NATS connection failed');
  });

  const connected = async (): Promise<NatsConnection> => {
    if (connection && !connection.isClosed()) return connection;
    return withTimeout(ready, options.ackTimeoutMs, `connecting to NATS at ${servers.join(', ')}`);
  };

  const publishFailure = (error: unknown, subject: string): BridgeError => {
    const text = error instanceof Error ? error.message : String(error);
    // A publish nobody answers: the client reports "no responders" or, in 3.x, "jetstream is not enabled".
    const noStream = /no responders|not enabled|503/i.test(text) || (error as { code?: string })?.code === '503';
    const message = noStream
      ? `no JetStream stream captures ${subject} (${text}): DCM's stream is missing or JetStream is off (for a standalone setup set publisher.createStream: true)`
      : `publish to ${subject} failed: ${text}`;
    return new BridgeError(ErrorCode.PublishFailed, message, { subject }, { cause: error });
  };

  const eventHeaders = (id: string) => {
    const result = headers();
    result.set('Content-Type', 'application/cloudevents+json');
    result.set('Nats-Msg-Id', id);
    return result;
  };

  return {
    guarantee: options.jetstream ? 'jetstream' : 'core',

    async publish(events) {
      if (events.length === 0) return [];
      let established: NatsConnection;
      try {
        established = await connected();
      } catch (error) {
        const failure = publishFailure(error, events[0]?.subject ?? 'dcm.*');
        return events.map(() => ({ ok: false, error: failure }) as const);
      }
      if (options.jetstream && client) {
        const jetStreamClient = client;
        return mapBounded(events, options.maxInFlight, async (event): Promise<PublishOutcome> => {
          try {
            const ack = await jetStreamClient.publish(event.subject, event.body, { msgID: event.id, timeout: options.ackTimeoutMs, headers: eventHeaders(event.id) });
            return { ok: true, duplicate: ack.duplicate };
          } catch (error) {
            return { ok: false, error: publishFailure(error, event.subject) };
          }
        });
      }
      try {
        for (const event of events) established.publish(event.subject, event.body, { headers: eventHeaders(event.id) });
        await withTimeout(established.flush(), options.ackTimeoutMs, 'NATS flush');
        return events.map(() => ({ ok: true, duplicate: false }) as const);
      } catch (error) {
        const failure = publishFailure(error, events[0]?.subject ?? 'dcm.*');
        return events.map(() => ({ ok: false, error: failure }) as const);
      }
    },

    async announce(subject, body) {
      const established = await connected();
      established.publish(subject, body, { headers: headers() });
    },

    isConnected: () => connection !== undefined && !connection.isClosed() && !reconnecting,

    close() {
      closed = true;
      closing ??= connection
        ? connection.drain().catch(() => connection?.close())
        : ready.then((late) => late.close()).catch(() => undefined);
      return closing;
    },
  };
}

async function watchStatus(connection: NatsConnection, logger: Logger, onLinkChange: (up: boolean) => void): Promise<void> {
  for await (const status of connection.status()) {
    if (status.type === 'disconnect' || status.type === 'reconnecting') onLinkChange(false);
    if (status.type === 'reconnect') onLinkChange(true);
    if (status.type === 'disconnect' || status.type === 'reconnect' || status.type === 'error') logger.warn({ natsStatus: status.type }, `NATS ${status.type}`);
  }
}

async function ensureStream(connection: NatsConnection, streamName: string, logger: Logger): Promise<void> {
  const manager = await jetstreamManager(connection);
  try {
    await manager.streams.info(streamName);
  } catch {
    await manager.streams.add({ name: streamName, subjects: [dcmSubjects] });
    logger.warn({ stream: streamName, subjects: dcmSubjects }, 'created JetStream stream (publisher.createStream is true)');
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
