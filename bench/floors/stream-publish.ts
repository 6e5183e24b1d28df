import { createInbox, headers, type NatsConnection } from '@nats-io/transport-node';

/**
 * The floors' JetStream publish: the least it takes to publish with a
 * `Nats-Msg-Id` and await the stream's ack. A core publish with a reply
 * subject on one inbox subscription, the ack found by its token; no timers
 * (the bench's timeout bounds a floor process). The JetStream client's own
 * `publish` spends about twice the CPU per event in its request machinery
 * (#12; `src/publisher/stream-acks.ts` says where), and the floors are to
 * show what JetStream allows, not what that client does. Written apart from
 * the bridge's on purpose: a floor holds nothing of the bridge's.
 */
export function createStreamPublish(connection: NatsConnection): (subject: string, body: Uint8Array, id: string) => Promise<void> {
  const base = `${createInbox()}.`;
  const awaiting = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  let nextToken = 0;
  connection.subscribe(`${base}*`, {
    callback: (error, message) => {
      if (error) {
        for (const entry of awaiting.values()) entry.reject(error);
        awaiting.clear();
        return;
      }
      const token = message.subject.slice(base.length);
      const entry = awaiting.get(token);
      if (entry === undefined) return;
      awaiting.delete(token);
      const text = message.string();
      // An ack names its stream; anything else (an API error, an empty "no responders" status) is a failed floor.
      if (text.startsWith('{"stream"')) entry.resolve();
      else entry.reject(new Error(`JetStream did not ack: ${text || `status ${message.headers?.code ?? 'none'}`}`));
    },
  });
  return (subject, body, id) =>
    new Promise<void>((resolve, reject) => {
      const token = (nextToken++).toString(36);
      awaiting.set(token, { resolve, reject });
      const messageHeaders = headers();
      messageHeaders.set('Nats-Msg-Id', id);
      connection.publish(subject, body, { reply: base + token, headers: messageHeaders });
    });
}
