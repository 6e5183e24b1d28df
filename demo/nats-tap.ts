import type { Writable } from 'node:stream';
import { connect } from '@nats-io/transport-node';

/** A subscription printing every event on `dcm.*` as one JSON line. */
export interface NatsTap {
  close(): Promise<void>;
}

/**
 * Subscribes to `dcm.*` on `url` and writes each message body to `output`:
 * what the demo prints when the bridge publishes to NATS is what DCM would
 * receive, read back from the broker.
 */
export async function tapDcmSubjects(url: string, output: Writable): Promise<NatsTap> {
  const connection = await connect({ servers: url, name: 'dcm-poll-bridge demo tap' });
  const subscription = connection.subscribe('dcm.*');
  const printing = (async () => {
    for await (const message of subscription) output.write(`${message.string()}\n`);
  })();
  return {
    async close() {
      await connection.drain();
      await printing;
    },
  };
}
