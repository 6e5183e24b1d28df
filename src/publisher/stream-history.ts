import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type Consumer, type ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../errors/index.js';
import { readStatusEvent, type DeliveredState } from './status-event.js';

/**
 * What DCM was told, read back from DCM's own stream. When the cache cannot
 * vouch for its contents (emptied, or restored from an older snapshot), the
 * stream still holds every event the broker acknowledged: it is DCM's memory,
 * so the bridge recalls from it which instances DCM believes alive and in
 * which state, instead of trusting a cache that forgot them.
 */
export interface DeliveredHistory {
  /**
   * The last state the stream holds for each platform instance of `endpoint`
   * (platform id → state), over everything the stream still retains. Throws a
   * `PUBLISH_FAILED` BridgeError when the stream cannot be read.
   */
  lastDelivered(endpoint: string): Promise<ReadonlyMap<string, DeliveredState>>;
}

/** Options of {@link createStreamHistory}. */
export interface StreamHistoryOptions {
  /** The publisher's connection, once there is one. */
  readonly connection: () => Promise<NatsConnection>;
  readonly streamName: string;
  /** Only this provider's events count (`source` = `dcm/providers/{providerName}`). */
  readonly providerName: string;
  /** Longest pause between two messages while reading, before the read counts as failed. */
  readonly stallTimeoutMs: number;
  /**
   * Subscribes to the connection's losses (returns the unsubscribe). The
   * client drops what it had asked for when it redials, so a read under way
   * then fails at once with the reason given, instead of waiting out
   * `stallTimeoutMs` or a request's timeout for answers that cannot come.
   */
  readonly onLinkLost?: (listener: (reason: string) => void) => () => void;
  /** The states read are kept this long after the last request, so a wave of endpoints recalling after one cache loss reads the stream once. */
  readonly keepMs?: number;
  readonly logger: Logger;
}

/**
 * Reads DCM's stream incrementally: the first request after a quiet spell
 * reads it whole, later ones only what was stored since, so every endpoint
 * recalling in the same cache epoch costs one pass over the stream. The
 * states are dropped `keepMs` after the last request (memory: one small
 * entry per instance ever published and still retained).
 */
export function createStreamHistory(options: StreamHistoryOptions): DeliveredHistory {
  const keepMs = options.keepMs ?? 10 * 60_000;
  let byEndpoint = new Map<string, Map<string, DeliveredState>>();
  let readThrough = 0;
  let dropTimer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;

  const keepFor = (): void => {
    if (dropTimer) clearTimeout(dropTimer);
    dropTimer = setTimeout(() => {
      byEndpoint = new Map();
      readThrough = 0;
    }, keepMs);
    dropTimer.unref();
  };

  const readNew = async (): Promise<void> => {
    const link = watchLinkDuringRead(options.onLinkLost);
    try {
      const connection = await link.unlessLost(options.connection());
      const manager = await link.unlessLost(jetstreamManager(connection));
      const info = await link.unlessLost(manager.streams.info(options.streamName));
      const lastSequence = info.state.last_seq;
      if (info.state.messages === 0 || lastSequence <= readThrough) return;
      await readMessages(connection, link, info.state.first_seq, lastSequence);
    } finally {
      link.stopWatching();
    }
  };

  const readMessages = async (connection: NatsConnection, link: ReadLinkWatch, firstSequence: number, lastSequence: number): Promise<void> => {
    const started = performance.now();
    const consumer = await link.unlessLost(jetstream(connection).consumers.get(options.streamName, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(readThrough + 1, firstSequence) }));
    const messages = await consumeUnlessLost(consumer, link);
    link.onLost(() => messages.stop());
    let stalled = false;
    let stall = setTimeout(() => ((stalled = true), messages.stop()), options.stallTimeoutMs);
    let read = 0;
    try {
      for await (const message of messages) {
        clearTimeout(stall);
        stall = setTimeout(() => ((stalled = true), messages.stop()), options.stallTimeoutMs);
        read++;
        const state = readStatusEvent(message.string(), options.providerName);
        if (state) {
          const states = byEndpoint.get(state.endpoint) ?? new Map<string, DeliveredState>();
          states.set(state.platformId, state);
          byEndpoint.set(state.endpoint, states);
        }
        readThrough = message.seq;
        if (message.seq >= lastSequence) break;
      }
    } finally {
      clearTimeout(stall);
      messages.stop();
      // Without a link the delete could only time out; the server drops the ordered consumer on its own.
      if (link.lostReason === undefined) await consumer.delete().catch(() => undefined);
    }
    const lost = link.lostReason;
    if (lost !== undefined) throw new Error(`${lost} while the stream was being read (read through sequence ${readThrough} of ${lastSequence}); the rest is read once the connection is back`);
    if (stalled) throw new Error(`no message from stream ${options.streamName} for ${options.stallTimeoutMs / 1000} s (read through sequence ${readThrough} of ${lastSequence})`);
    options.logger.info({ stream: options.streamName, messages: read, throughSequence: readThrough, ms: Math.round(performance.now() - started) }, 'read what DCM was told back from its stream');
  };

  return {
    async lastDelivered(endpoint) {
      keepFor();
      try {
        // A read already under way may have begun before this endpoint's latest events were stored: wait for it, then join (or start) one that begins now.
        if (reading) await reading.catch(() => undefined);
        reading ??= readNew().finally(() => (reading = undefined));
        await reading;
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        throw new BridgeError(
          ErrorCode.PublishFailed,
          `cannot read what DCM was told from stream ${options.streamName}: ${text} (the bridge's NATS user needs to read the stream; publisher.recallFromStream: false turns the recall off)`,
          { stream: options.streamName, endpoint },
          { cause: error },
        );
      }
      return new Map(byEndpoint.get(endpoint) ?? []);
    },
  };
}

/** One read's watch over the connection (see {@link StreamHistoryOptions.onLinkLost}). */
interface ReadLinkWatch {
  /** `request`, unless the link is lost first: then rejects at once with the reason. */
  unlessLost<T>(request: Promise<T>): Promise<T>;
  /** Runs `stop` when the link is lost (ends the read's message loop). */
  onLost(stop: () => void): void;
  /** Why the link was lost during the read, if it was. */
  readonly lostReason: string | undefined;
  stopWatching(): void;
}

/** The consumer's messages, unless the link is lost first; a consume that starts after the loss is stopped, so it does not pull once the link is back. */
async function consumeUnlessLost(consumer: Consumer, link: ReadLinkWatch): Promise<ConsumerMessages> {
  const consuming = consumer.consume({ max_messages: 1000 });
  try {
    return await link.unlessLost(consuming);
  } catch (error) {
    consuming.then(
      (late) => late.stop(),
      () => undefined,
    );
    throw error;
  }
}

function watchLinkDuringRead(onLinkLost: StreamHistoryOptions['onLinkLost']): ReadLinkWatch {
  let lostReason: string | undefined;
  let stop = (): void => undefined;
  let refuse: (error: Error) => void = () => undefined;
  const lost = new Promise<never>((_resolve, reject) => (refuse = reject));
  // Only the races below listen; a loss while no request is pending is read from lostReason.
  lost.catch(() => undefined);
  const unsubscribe = onLinkLost?.((reason) => {
    lostReason ??= reason;
    stop();
    refuse(new Error(`${reason} while the stream was being read; it is read again once the connection is back`));
  });
  return {
    unlessLost: (request) => Promise.race([request, lost]),
    onLost: (stopReading) => void (stop = stopReading),
    get lostReason() {
      return lostReason;
    },
    stopWatching: () => unsubscribe?.(),
  };
}
