import type { Logger } from 'pino';
import type { IndexEntry, IndexUpdate, OutboxEntry, StateCache } from '../cache/index.js';
import type { Change } from '../diff/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { EventPublisher, OutgoingEvent } from '../publisher/index.js';

/** Events recorded, published and committed together; bounds the memory a large poll needs. */
export const deliveryChunkSize = 1000;

/**
 * Chunks recorded and awaiting their acks at once. Two keep the broker's
 * window full while the next chunk is recorded; more would only hold memory.
 */
const chunksInFlight = 2;

export interface DeliveryOptions {
  readonly endpoint: string;
  readonly cache: StateCache;
  readonly publisher: EventPublisher;
  /** Already bound to the endpoint. */
  readonly logger: Logger;
  /** Counted once per event the broker did not acknowledge. */
  readonly onUnacknowledged?: (count: number) => void;
}

/** What a stream delivered, for metrics and the poll report. */
export interface DeliveredCounts {
  /** Acknowledged transitions (deletions included). */
  readonly transitions: number;
  /** Acknowledged resyncs. */
  readonly resyncs: number;
}

/**
 * One poll's changes on their way to DCM, chunk by chunk: each chunk is
 * recorded, then published while the next is diffed and recorded, then
 * committed once its acks are in.
 */
export interface DeliveryStream {
  /**
   * Records the changes (and `index`, in the same write), then starts
   * publishing them; resolves once they are recorded and the stream has
   * room for more, so a producer is held back while two chunks await acks.
   * Throws `PUBLISH_FAILED` (or the cache's error) once an earlier chunk
   * failed: nothing more is recorded or sent.
   */
  send(changes: readonly Change[], index?: IndexUpdate): Promise<void>;
  /** Waits until everything sent is acknowledged and committed; throws the first failure. */
  drain(): Promise<DeliveredCounts>;
}

/**
 * Publish, then commit, through an outbox (invariant 2). Before a chunk of
 * transitions is published, the events are recorded in the endpoint's outbox;
 * once the broker acknowledges them, their records and index entries are
 * committed and their outbox entries cleared in one write. Whatever is left
 * in the outbox (a crash, a lost ack, a failed commit) is resent unchanged,
 * same bytes and same id, and committed before the endpoint's next poll
 * diffs anything, so an instance DCM may have heard of is always in the
 * index by then, and cannot vanish without a DELETED.
 */
export interface Delivery {
  /**
   * Resends what the outbox holds and commits what the broker acknowledges
   * (a duplicate ack is expected here: the broker may have stored it before).
   * Throws `PUBLISH_FAILED` while any entry stays unacknowledged, so nothing
   * newer for the endpoint is diffed or published before it.
   */
  flushOutbox(): Promise<number>;
  /** Opens the stream of one poll; `onAcknowledged` hears of each change the broker acknowledged and the cache committed. */
  open(toEvent: (change: Change) => OutgoingEvent, onAcknowledged?: (change: Change) => void): DeliveryStream;
}

/** Creates the delivery of one endpoint. */
export function createDelivery(options: DeliveryOptions): Delivery {
  const { endpoint, cache, publisher, logger } = options;
  /** Only a JetStream ack says whether the broker already held the id. */
  const duplicatesMeanSomething = publisher.guarantee === 'jetstream';

  const notAcknowledged = (count: number, total: number, first: Error | undefined): BridgeError => {
    options.onUnacknowledged?.(count);
    return new BridgeError(ErrorCode.PublishFailed, `${count} of ${total} events for ${endpoint} were not acknowledged: ${first?.message ?? 'unknown reason'}`, { endpoint }, first ? { cause: first } : undefined);
  };

  /** The write that commits acknowledged outbox entries: records, their index entries, and the entries cleared. */
  const commitOf = (entries: readonly OutboxEntry[]) => {
    const set = new Map<string, IndexEntry>();
    const remove: string[] = [];
    for (const { record, leavesIndex } of entries) {
      if (leavesIndex) remove.push(record.platformId);
      else set.set(record.platformId, { missedLists: 0, instanceId: record.instanceId, status: record.status });
    }
    return { records: entries.map((entry) => entry.record), index: { set, remove }, outboxRemove: entries.map((entry) => entry.record.platformId) };
  };

  return {
    async flushOutbox() {
      const entries = await cache.readOutbox(endpoint);
      if (entries.length === 0) return 0;
      logger.warn({ events: entries.length }, 'resending events recorded but not committed before (a crash, a lost ack or a failed commit)');
      const outcomes = await publisher.publish(entries.map((entry) => entry.event));
      const acknowledged: OutboxEntry[] = [];
      let unacknowledged = 0;
      let firstFailure: Error | undefined;
      outcomes.forEach((outcome, position) => {
        if (outcome.ok) acknowledged.push(entries[position] as OutboxEntry);
        else {
          unacknowledged++;
          firstFailure ??= outcome.error;
        }
      });
      if (acknowledged.length > 0) await cache.writeState(endpoint, commitOf(acknowledged));
      if (unacknowledged > 0) throw notAcknowledged(unacknowledged, entries.length, firstFailure);
      return entries.length;
    },

    open(toEvent, onAcknowledged) {
      const pending = new Set<Promise<void>>();
      let failure: unknown;
      let transitions = 0;
      let resyncs = 0;

      /** Publishes one recorded chunk and commits what the broker acknowledged; never rejects (the stream keeps the failure). */
      const publishAndCommit = async (chunk: readonly Change[], events: readonly OutgoingEvent[], entryAt: ReadonlyArray<OutboxEntry | undefined>): Promise<void> => {
        const outcomes = await publisher.publish(events);
        const committed: OutboxEntry[] = [];
        const acknowledged: Change[] = [];
        let failed = 0;
        let firstFailure: Error | undefined;
        let forgotten: string | undefined;
        outcomes.forEach((outcome, position) => {
          const change = chunk[position] as Change;
          const entry = entryAt[position];
          // A fresh transition the broker already holds: the cache forgot an event it published (rolled back, or another writer).
          const unexpectedDuplicate = outcome.ok && outcome.duplicate && change.kind === 'transition' && duplicatesMeanSomething;
          if (outcome.ok && !unexpectedDuplicate) {
            acknowledged.push(change);
            if (entry) committed.push(entry);
            return;
          }
          // Left in the outbox: resent, same bytes, before the endpoint's next poll.
          failed++;
          if (unexpectedDuplicate) forgotten ??= (events[position] as OutgoingEvent).id;
          else if (!outcome.ok) firstFailure ??= outcome.error;
        });
        if (committed.length > 0) await cache.writeState(endpoint, commitOf(committed));
        for (const change of acknowledged) {
          if (change.kind === 'transition') transitions++;
          else resyncs++;
          onAcknowledged?.(change);
        }
        if (forgotten !== undefined) {
          const reason = `the broker already held event ${forgotten}, which this bridge has no record of publishing: the cache lost or rolled back state, or another bridge publishes for endpoint ${endpoint}`;
          const epoch = await cache.renewEpoch(reason);
          logger.error({ eventId: forgotten, epoch: epoch.id }, `${reason}; a new cache epoch begins and the next polls re-publish every state with fresh ids`);
          firstFailure ??= new BridgeError(ErrorCode.PublishFailed, reason, { endpoint });
        }
        if (failed > 0) throw notAcknowledged(failed, chunk.length, firstFailure);
      };

      const sendChunk = async (chunk: readonly Change[], index: IndexUpdate | undefined): Promise<void> => {
        while (pending.size >= chunksInFlight && failure === undefined) await Promise.race(pending);
        if (failure !== undefined) throw failure;
        const events = chunk.map(toEvent);
        const entryAt = chunk.map((change, position): OutboxEntry | undefined =>
          change.kind === 'transition' && change.record ? { record: change.record, leavesIndex: change.leavesIndex === true, event: events[position] as OutgoingEvent } : undefined,
        );
        const recorded = entryAt.filter((entry): entry is OutboxEntry => entry !== undefined);
        if (recorded.length > 0 || index !== undefined) await cache.writeState(endpoint, { outboxAdd: recorded, ...(index ? { index } : {}) });
        if (chunk.length === 0) return;
        const inFlight: Promise<void> = publishAndCommit(chunk, events, entryAt)
          .catch((error: unknown) => {
            failure ??= error;
          })
          .finally(() => pending.delete(inFlight));
        pending.add(inFlight);
      };

      return {
        async send(changes, index) {
          if (changes.length === 0) return sendChunk([], index);
          for (let offset = 0; offset < changes.length; offset += deliveryChunkSize) {
            await sendChunk(changes.slice(offset, offset + deliveryChunkSize), offset === 0 ? index : undefined);
          }
        },
        async drain() {
          while (pending.size > 0) await Promise.all(pending);
          if (failure !== undefined) throw failure;
          return { transitions, resyncs };
        },
      };
    },
  };
}
