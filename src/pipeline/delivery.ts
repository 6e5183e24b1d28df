import type { Logger } from 'pino';
import type { IndexEntry, IndexUpdate, OutboxEntry, StateCache } from '../cache/index.js';
import type { Change } from '../diff/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { EventPublisher, OutgoingEvent, PublishOutcome } from '../publisher/index.js';

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
  return {
    flushOutbox: () => flushOutbox(options),
    open: (toEvent, onAcknowledged) => openStream(options, toEvent, onAcknowledged),
  };
}

/** Resends the outbox, commits what the broker acknowledged; see {@link Delivery.flushOutbox}. */
async function flushOutbox(options: DeliveryOptions): Promise<number> {
  const { endpoint, cache, publisher, logger } = options;
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
  if (unacknowledged > 0) throw notAcknowledged(options, unacknowledged, entries.length, firstFailure);
  return entries.length;
}

/** Counts the events the broker did not acknowledge and names the first reason. */
function notAcknowledged(options: DeliveryOptions, count: number, total: number, first: Error | undefined): BridgeError {
  options.onUnacknowledged?.(count);
  const { endpoint } = options;
  return new BridgeError(ErrorCode.PublishFailed, `${count} of ${total} events for ${endpoint} were not acknowledged: ${first?.message ?? 'unknown reason'}`, { endpoint }, first ? { cause: first } : undefined);
}

/** The write that commits acknowledged outbox entries: records, their index entries, and the entries cleared. */
function commitOf(entries: readonly OutboxEntry[]) {
  const set = new Map<string, IndexEntry>();
  const remove: string[] = [];
  for (const { record, leavesIndex } of entries) {
    if (leavesIndex) remove.push(record.platformId);
    else set.set(record.platformId, { missedLists: 0, instanceId: record.instanceId, status: record.status });
  }
  return { records: entries.map((entry) => entry.record), index: { set, remove }, outboxRemove: entries.map((entry) => entry.record.platformId) };
}

/** One open stream: its chunks awaiting acks, its first failure, what it delivered. */
interface StreamState {
  readonly toEvent: (change: Change) => OutgoingEvent;
  readonly onAcknowledged: ((change: Change) => void) | undefined;
  readonly pending: Set<Promise<void>>;
  failure: unknown;
  transitions: number;
  resyncs: number;
}

function openStream(options: DeliveryOptions, toEvent: (change: Change) => OutgoingEvent, onAcknowledged?: (change: Change) => void): DeliveryStream {
  const state: StreamState = { toEvent, onAcknowledged, pending: new Set(), failure: undefined, transitions: 0, resyncs: 0 };
  return {
    async send(changes, index) {
      if (changes.length === 0) return sendChunk(options, state, [], index);
      for (let offset = 0; offset < changes.length; offset += deliveryChunkSize) {
        await sendChunk(options, state, changes.slice(offset, offset + deliveryChunkSize), offset === 0 ? index : undefined);
      }
    },
    async drain() {
      while (state.pending.size > 0) await Promise.all(state.pending);
      if (state.failure !== undefined) throw state.failure;
      return { transitions: state.transitions, resyncs: state.resyncs };
    },
  };
}

/** Waits for room, records the chunk's transitions in the outbox (with `index`), then publishes it in the background. */
async function sendChunk(options: DeliveryOptions, state: StreamState, chunk: readonly Change[], index: IndexUpdate | undefined): Promise<void> {
  while (state.pending.size >= chunksInFlight && state.failure === undefined) await Promise.race(state.pending);
  if (state.failure !== undefined) throw state.failure;
  const events = chunk.map(state.toEvent);
  const entryAt = chunk.map((change, position): OutboxEntry | undefined =>
    change.kind === 'transition' && change.record ? { record: change.record, leavesIndex: change.leavesIndex === true, event: events[position] as OutgoingEvent } : undefined,
  );
  const recorded = entryAt.filter((entry): entry is OutboxEntry => entry !== undefined);
  if (recorded.length > 0 || index !== undefined) await options.cache.writeState(options.endpoint, { outboxAdd: recorded, ...(index ? { index } : {}) });
  if (chunk.length === 0) return;
  const inFlight: Promise<void> = publishAndCommit(options, state, chunk, events, entryAt)
    .catch((error: unknown) => {
      state.failure ??= error;
    })
    .finally(() => state.pending.delete(inFlight));
  state.pending.add(inFlight);
}

/** A chunk's outcomes sorted: what to commit, what DCM heard, what stays in the outbox and why. */
interface ChunkVerdicts {
  readonly committed: OutboxEntry[];
  readonly acknowledged: Change[];
  failed: number;
  firstFailure: Error | undefined;
  /** The id of a fresh transition the broker already held. */
  forgotten: string | undefined;
}

/** Publishes one recorded chunk and commits what the broker acknowledged; rejects when any event stays in the outbox. */
async function publishAndCommit(options: DeliveryOptions, state: StreamState, chunk: readonly Change[], events: readonly OutgoingEvent[], entryAt: ReadonlyArray<OutboxEntry | undefined>): Promise<void> {
  const { endpoint, cache } = options;
  const outcomes = await options.publisher.publish(events);
  const verdicts = sortOutcomes(options, outcomes, chunk, events, entryAt);
  if (verdicts.committed.length > 0) await cache.writeState(endpoint, commitOf(verdicts.committed));
  for (const change of verdicts.acknowledged) {
    if (change.kind === 'transition') state.transitions++;
    else state.resyncs++;
    state.onAcknowledged?.(change);
  }
  if (verdicts.forgotten !== undefined) {
    // The epoch is renewed even when another event failed first.
    const forgottenFailure = await renewEpochAfterForgottenEvent(options, verdicts.forgotten);
    verdicts.firstFailure ??= forgottenFailure;
  }
  if (verdicts.failed > 0) throw notAcknowledged(options, verdicts.failed, chunk.length, verdicts.firstFailure);
}

function sortOutcomes(options: DeliveryOptions, outcomes: readonly PublishOutcome[], chunk: readonly Change[], events: readonly OutgoingEvent[], entryAt: ReadonlyArray<OutboxEntry | undefined>): ChunkVerdicts {
  /** Only a JetStream ack says whether the broker already held the id. */
  const duplicatesMeanSomething = options.publisher.guarantee === 'jetstream';
  const verdicts: ChunkVerdicts = { committed: [], acknowledged: [], failed: 0, firstFailure: undefined, forgotten: undefined };
  outcomes.forEach((outcome, position) => {
    const change = chunk[position] as Change;
    const entry = entryAt[position];
    // A fresh transition the broker already holds: the cache forgot an event it published (rolled back, or another writer).
    const unexpectedDuplicate = outcome.ok && outcome.duplicate && change.kind === 'transition' && duplicatesMeanSomething;
    if (outcome.ok && !unexpectedDuplicate) {
      verdicts.acknowledged.push(change);
      if (entry) verdicts.committed.push(entry);
      return;
    }
    // Left in the outbox: resent, same bytes, before the endpoint's next poll.
    verdicts.failed++;
    if (unexpectedDuplicate) verdicts.forgotten ??= (events[position] as OutgoingEvent).id;
    else if (!outcome.ok) verdicts.firstFailure ??= outcome.error;
  });
  return verdicts;
}

/** The broker held an event this bridge has no record of: a new cache epoch begins (invariant 5); answers the failure to report. */
async function renewEpochAfterForgottenEvent(options: DeliveryOptions, eventId: string): Promise<BridgeError> {
  const { endpoint, cache, logger } = options;
  const reason = `the broker already held event ${eventId}, which this bridge has no record of publishing: the cache lost or rolled back state, or another bridge publishes for endpoint ${endpoint}`;
  const epoch = await cache.renewEpoch(reason);
  logger.error({ eventId, epoch: epoch.id }, `${reason}; a new cache epoch begins and the next polls re-publish every state with fresh ids`);
  return new BridgeError(ErrorCode.PublishFailed, reason, { endpoint });
}
