import { createInbox, type MsgHdrs, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** JetStream's answer to one stored message. */
export interface StreamAck {
  readonly stream: string;
  readonly sequence: number;
  /** The stream already held a message with this `Nats-Msg-Id`. */
  readonly duplicate: boolean;
}

/**
 * Publishes to JetStream and matches the acks to the publishes itself: one
 * inbox subscription per connection, a token per publish in the reply
 * subject, one timer per publish.
 *
 * It replaces `JetStreamClient.publish`, which goes through the client's
 * request machinery: on every ack that answers a request, nats-core's
 * `RequestOne.cancel` builds a `RequestError` (with its stack) that nothing
 * reads, and the JetStream client copies options, rebuilds headers and makes
 * a `TextDecoder`. At a window of 256 publishes that is half the client's
 * CPU per event (34 → 16 µs here, #12), and the client, not the broker, was
 * what bounded a storm.
 *
 * What an ack means is unchanged: a publish resolves only on a JetStream
 * `PubAck` naming a stream; a JetStream API error, a "no responders" status
 * (no stream captures the subject), the server refusing the subject, the
 * link dropping or the connection closing before the ack, or no answer
 * within the timeout reject it. An ack that
 * comes after its publish gave up is dropped: the event stays unacknowledged
 * and is sent again with the same `Nats-Msg-Id`, which the stream's duplicate
 * window recognises.
 */
export interface StreamAcks {
  /** Publishes one message with `headers` (they carry its `Nats-Msg-Id`) and resolves to the stream's ack. */
  publish(subject: string, body: string | Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<StreamAck>;
  /** Rejects what awaits an ack on `subject` with `error` (the server refused to let the bridge publish there). */
  refuse(subject: string, error: Error): void;
  /**
   * Rejects every publish awaiting its ack now, because the link it went out
   * on dropped: an ack the server sent to the old link is gone, and the
   * client discards what it had not yet written when it redials. Later
   * publishes go on (over the link the client makes next).
   */
  linkLost(reason: string): void;
  /** Rejects every publish still awaiting its ack, and every later one. */
  close(reason: string): void;
}

/** Why a publish got no ack; `code` '503' marks "no stream captures the subject". */
export class StreamAckError extends Error {
  readonly code: 'timeout' | '503' | 'api' | 'refused' | 'closed' | 'link-lost' | 'invalid';
  constructor(code: StreamAckError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StreamAckError';
    this.code = code;
  }
}

interface AwaitingAck {
  readonly subject: string;
  readonly resolve: (ack: StreamAck) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Creates the ack matching of one connection, on inboxes under `_INBOX` as the client's own requests use. */
export function createStreamAcks(connection: NatsConnection): StreamAcks {
  const awaiting = new Map<string, AwaitingAck>();
  let closedBecause: string | undefined;
  let inbox: { readonly base: string; readonly subscription: Subscription } | undefined;
  let nextToken = 0;

  const settle = (token: string): AwaitingAck | undefined => {
    const entry = awaiting.get(token);
    if (entry === undefined) return undefined;
    awaiting.delete(token);
    clearTimeout(entry.timer);
    return entry;
  };

  const failAll = (error: Error): void => {
    for (const token of [...awaiting.keys()]) settle(token)?.reject(error);
  };

  /** The inbox acks come to; a new one when the server closed the last (it refused the subscription). */
  const currentInbox = (): string => {
    if (inbox && !inbox.subscription.isClosed()) return inbox.base;
    const base = `${createInbox()}.`;
    const subscription = connection.subscribe(`${base}*`, {
      callback: (error, message) => {
        if (error) {
          // The server refused the inbox: no ack can arrive on it.
          failAll(new StreamAckError('refused', `NATS refused the bridge's ack inbox: ${error.message}`, { cause: error }));
          return;
        }
        const entry = settle(message.subject.slice(base.length));
        if (entry === undefined) return;
        const answer = readAck(message, entry.subject);
        if (answer instanceof Error) entry.reject(answer);
        else entry.resolve(answer);
      },
    });
    inbox = { base, subscription };
    return base;
  };

  return {
    publish(subject, body, headers, timeoutMs) {
      return new Promise<StreamAck>((resolve, reject) => {
        if (closedBecause !== undefined) {
          reject(new StreamAckError('closed', closedBecause));
          return;
        }
        const token = (nextToken++).toString(36);
        try {
          const reply = currentInbox() + token;
          const timer = setTimeout(() => settle(token)?.reject(new StreamAckError('timeout', `no ack from JetStream within ${timeoutMs} ms`)), timeoutMs);
          awaiting.set(token, { subject, resolve, reject, timer });
          connection.publish(subject, body, { reply, headers });
        } catch (error) {
          // A closed or draining connection refuses the publish at once.
          const entry = settle(token);
          (entry?.reject ?? reject)(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },

    refuse(subject, error) {
      for (const [token, entry] of [...awaiting]) if (entry.subject === subject) settle(token)?.reject(new StreamAckError('refused', error.message, { cause: error }));
    },

    linkLost(reason) {
      failAll(new StreamAckError('link-lost', reason));
    },

    close(reason) {
      closedBecause ??= reason;
      failAll(new StreamAckError('closed', reason));
    },
  };
}

/** A JetStream publish's answer read: its ack, or the error it stands for. */
function readAck(message: Msg, subject: string): StreamAck | StreamAckError {
  if (message.data.length === 0 && message.headers?.code === 503) return new StreamAckError('503', `no responders on ${subject}`);
  let answer: unknown;
  try {
    answer = JSON.parse(message.string());
  } catch {
    return new StreamAckError('invalid', `JetStream answered the publish to ${subject} with something that is not JSON`);
  }
  const fields = (typeof answer === 'object' && answer !== null ? answer : {}) as { stream?: unknown; seq?: unknown; duplicate?: unknown; error?: { code?: unknown; err_code?: unknown; description?: unknown } };
  if (fields.error !== undefined) {
    const { code, err_code: errorCode, description } = fields.error ?? {};
    return new StreamAckError('api', `JetStream refused the publish to ${subject}: ${String(description ?? 'no description')} (${String(code)}, err_code ${String(errorCode)})`);
  }
  if (typeof fields.stream !== 'string' || fields.stream === '' || typeof fields.seq !== 'number') return new StreamAckError('invalid', `JetStream's answer to the publish to ${subject} is not an ack`);
  return { stream: fields.stream, sequence: fields.seq, duplicate: fields.duplicate === true };
}
