import type { Logger } from 'pino';
import type { OutboxEntry, StateCache } from '../cache/index.js';
import type { Change, PollPlan } from '../diff/index.js';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { EventPublisher, OutgoingEvent } from '../publisher/index.js';

/** Events recorded, published and committed together; bounds the memory a large poll needs. */
export const deliveryChunkSize = 1000;

/** What one delivery did, for metrics and the poll report. */
export interface DeliveryReport {
  /** Acknowledged changes, in plan order. */
  readonly acknowledged: readonly Change[];
}

export interface DeliveryOptions {
  readonly endpoint: string;
  readonly cache: StateCache;
  readonly publisher: EventPublisher;
  /** Already bound to the endpoint. */
  readonly logger: Logger;
  /** Counted once per event the broker did not acknowledge. */
  readonly onUnacknowledged?: (count: number) => void;
}

/**
 * Publish, then commit, through an outbox (invariant 2). Before a chunk of
 * transitions is published, the events are recorded in the endpoint's outbox
 * (with the poll's index, so an instance DCM may have heard of is always
 * tracked); once the broker acknowledges them, their records are committed
 * and the outbox cleared in one write. Whatever is left in the outbox (a
 * crash, a lost ack, a failed commit) is resent unchanged, same bytes and
 * same id, before the endpoint's next poll diffs anything.
 */
export interface Delivery {
  /**
   * Resends what the outbox holds and commits what the broker acknowledges
   * (a duplicate ack is expected here: the broker may have stored it before).
   * Throws `PUBLISH_FAILED` while any entry stays unacknowledged, so nothing
   * newer for the endpoint is diffed or published before it.
   */
  flushOutbox(): Promise<number>;
  /**
   * Records, publishes and commits the plan chunk by chunk; stops at the
   * first chunk with an unacknowledged event and throws `PUBLISH_FAILED`
   * (its events stay in the outbox).
   */
  deliver(plan: PollPlan, toEvent: (change: Change) => OutgoingEvent): Promise<DeliveryReport>;
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

  /** Drops acknowledged deletions from the index recorded earlier. */
  const indexWithout = async (leaving: readonly string[]) => {
    if (leaving.length === 0) return undefined;
    const index = await cache.readIndex(endpoint);
    const members = { ...index.members };
    for (const platformId of leaving) delete members[platformId];
    return { ...index, members };
  };

  return {
    async flushOutbox() {
      const entries = await cache.readOutbox(endpoint);
      if (entries.length === 0) return 0;
      logger.warn({ events: entries.length }, 'resending events recorded but not committed before (a crash, a lost ack or a failed commit)');
      const outcomes = await publisher.publish(entries.map((entry) => entry.event));
      const acknowledged: OutboxEntry[] = [];
      const remaining: OutboxEntry[] = [];
      let firstFailure: Error | undefined;
      outcomes.forEach((outcome, position) => {
        const entry = entries[position] as OutboxEntry;
        if (outcome.ok) acknowledged.push(entry);
        else {
          remaining.push(entry);
          firstFailure ??= outcome.error;
        }
      });
      const index = await indexWithout(acknowledged.filter((entry) => entry.leavesIndex).map((entry) => entry.record.platformId));
      await cache.writeState(endpoint, { records: acknowledged.map((entry) => entry.record), outbox: remaining, ...(index ? { index } : {}) });
      if (remaining.length > 0) throw notAcknowledged(remaining.length, entries.length, firstFailure);
      return entries.length;
    },

    async deliver(plan, toEvent) {
      const acknowledged: Change[] = [];
      const leaving: string[] = [];
      let indexRecorded = plan.index === undefined;
      if (plan.changes.length === 0 && plan.index) {
        await cache.writeState(endpoint, { index: plan.index });
        indexRecorded = true;
      }
      for (let offset = 0; offset < plan.changes.length; offset += deliveryChunkSize) {
        const chunk = plan.changes.slice(offset, offset + deliveryChunkSize);
        const events = chunk.map(toEvent);
        const entryAt = chunk.map((change, position): OutboxEntry | undefined =>
          change.kind === 'transition' && change.record ? { record: change.record, leavesIndex: change.leavesIndex === true, event: events[position] as OutgoingEvent } : undefined,
        );
        const recorded = entryAt.filter((entry): entry is OutboxEntry => entry !== undefined);
        if (recorded.length > 0 || !indexRecorded) {
          await cache.writeState(endpoint, { outbox: recorded, ...(!indexRecorded && plan.index ? { index: plan.index } : {}) });
          indexRecorded = true;
        }

        const outcomes = await publisher.publish(events);
        const committed: OutboxEntry[] = [];
        const remaining: OutboxEntry[] = [];
        let failed = 0;
        let firstFailure: Error | undefined;
        let forgotten: string | undefined;
        outcomes.forEach((outcome, position) => {
          const change = chunk[position] as Change;
          const event = events[position] as OutgoingEvent;
          const entry = entryAt[position];
          // A fresh transition the broker already holds: the cache forgot an event it published (rolled back, or another writer).
          const unexpectedDuplicate = outcome.ok && outcome.duplicate && change.kind === 'transition' && duplicatesMeanSomething;
          if (outcome.ok && !unexpectedDuplicate) {
            acknowledged.push(change);
            if (entry) committed.push(entry);
            if (change.leavesIndex) leaving.push(change.platformId);
            return;
          }
          failed++;
          if (entry) remaining.push(entry);
          if (unexpectedDuplicate) forgotten ??= event.id;
          else if (!outcome.ok) firstFailure ??= outcome.error;
        });
        await cache.writeState(endpoint, { records: committed.map((entry) => entry.record), outbox: remaining });
        if (forgotten !== undefined) {
          const reason = `the broker already held event ${forgotten}, which this bridge has no record of publishing: the cache lost or rolled back state, or another bridge publishes for endpoint ${endpoint}`;
          const epoch = await cache.renewEpoch(reason);
          logger.error({ eventId: forgotten, epoch: epoch.id }, `${reason}; a new cache epoch begins and the next polls re-publish every state with fresh ids`);
          firstFailure ??= new BridgeError(ErrorCode.PublishFailed, reason, { endpoint });
        }
        if (failed > 0) throw notAcknowledged(failed, plan.changes.length, firstFailure);
      }
      const index = await indexWithout(leaving);
      if (index) await cache.writeState(endpoint, { index });
      return { acknowledged };
    },
  };
}
