import type { AbsenceCheck, Change, Differ, Observation, PollPlan } from '../../src/diff/index.js';
import type { Delivery } from '../../src/pipeline/index.js';
import type { OutgoingEvent } from '../../src/publisher/index.js';

/** What {@link completePoll} did. */
export interface CompletedPoll {
  /** Every change sent, acknowledged or not: pages first, then the finish's deletions. */
  readonly changes: readonly Change[];
  /** The finish's plan; undefined when a page's delivery failed first (the poller does not finish then either). */
  readonly plan: PollPlan | undefined;
  /** The first delivery failure, as the poller's poll would throw it. */
  readonly failure?: unknown;
}

/**
 * One complete poll through a differ and a delivery the way the endpoint
 * poller runs them, without a platform: the outbox flushed, each page's
 * changes sent as it is diffed, the stream drained, then the finish's
 * deletions and index sent. Stops at the first delivery failure, as the
 * poller does, and reports it; a failure to flush the outbox rejects.
 */
export async function completePoll(
  differ: Differ,
  delivery: Delivery,
  poll: { endpoint: string; observedAt: number; epoch: string; resyncRound?: number; pages: readonly (readonly Observation[])[]; absence: AbsenceCheck; toEvent: (change: Change) => OutgoingEvent },
): Promise<CompletedPoll> {
  await delivery.flushOutbox();
  const diff = await differ.begin(poll.endpoint, { observedAt: poll.observedAt, epoch: poll.epoch, ...(poll.resyncRound !== undefined ? { resyncRound: poll.resyncRound } : {}) });
  const stream = delivery.open(poll.toEvent);
  const changes: Change[] = [];
  let plan: PollPlan | undefined;
  try {
    for (const page of poll.pages) {
      const pageChanges = await diff.addPage(page);
      changes.push(...pageChanges);
      await stream.send(pageChanges);
    }
    await stream.drain();
    plan = await diff.finish(poll.absence);
    changes.push(...plan.changes);
    await stream.send(plan.changes, plan.index);
    await stream.drain();
    return { changes, plan };
  } catch (failure) {
    await stream.drain().catch(() => undefined);
    return { changes, plan, failure };
  }
}
