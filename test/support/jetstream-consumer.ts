import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';

/** One message as DCM's JetStream consumer receives it. */
export interface ReceivedMessage {
  readonly subject: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly event: Record<string, unknown> & { data: { id: string; status: string; message: string } };
  readonly streamSequence: number;
}

/**
 * Stands in for DCM's side of the broker: creates the `dcm-status` stream on
 * `dcm.*` (as DCM does; the bridge never creates it by default) and reads it
 * back with an ordered consumer.
 */
export interface DcmStream {
  /** Every message in the stream so far, in order. */
  messages(): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

/** `connection` adds options of DCM's own connection: its credentials and TLS on a secured server. */
export async function createDcmStream(natsUrl: string, options: { duplicateWindowMs?: number; connection?: Omit<NodeConnectionOptions, 'servers'> } = {}): Promise<DcmStream> {
  const connection: NatsConnection = await connect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 200, ...options.connection });
  const manager = await jetstreamManager(connection);
  await manager.streams.add({ name: 'dcm-status', subjects: ['dcm.*'], duplicate_window: (options.duplicateWindowMs ?? 120_000) * 1_000_000 });
  const client = jetstream(connection);
  return {
    async messages() {
      const info = await retryWhileReconnecting(() => manager.streams.info('dcm-status'));
      const total = info.state.messages;
      if (total === 0) return [];
      const consumer = await client.consumers.get('dcm-status', { deliver_policy: DeliverPolicy.All });
      const received: ReceivedMessage[] = [];
      const batch = await consumer.fetch({ max_messages: total, expires: 2000 });
      for await (const message of batch) {
        const headers: Record<string, string> = {};
        for (const [key, values] of message.headers ?? []) headers[key] = values.join(',');
        received.push({ subject: message.subject, headers, event: message.json(), streamSequence: message.seq });
        if (received.length === total) break;
      }
      await consumer.delete().catch(() => undefined);
      return received;
    },
    async close() {
      await connection.close();
    },
  };
}

/** After a broker restart a test connection may still be reconnecting: retries `action` for up to `limitMs`. */
export async function retryWhileReconnecting<T>(action: () => Promise<T>, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
