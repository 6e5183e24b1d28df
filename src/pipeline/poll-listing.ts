import type { AbsenceFinding, RawInstance } from '../adapter/index.js';
import { dnsLabelPattern } from '../config/index.js';
import type { Observation, PollDiff, PollPlan } from '../diff/index.js';
import { BridgeError, ErrorCode, asBridgeError } from '../errors/index.js';
import { platformTextMaxChars, type Normalizer, type VmStatus } from '../normalize/index.js';
import { boundText } from '../text/index.js';
import type { DeliveryStream } from './delivery.js';
import { startListingBudget } from './listing-budget.js';
import { pagesOf, type ListingOutcome, type ListingPlan } from './listing-plan.js';
import { changeToEvent, countPublished, type PollerContext } from './poller-context.js';
import { readAhead } from './read-ahead.js';

/** What the poll is listing for: when it started, in which cache epoch, and whether it re-publishes current states. */
export interface ListingInputs {
  readonly observedAt: number;
  readonly epoch: string;
  /** Set when this poll re-publishes every current state (invariant 5). */
  readonly resyncRound: number | undefined;
}

/** A complete listing, diffed and delivered page by page; its final changes still to send on `stream`. */
export interface ListedPoll {
  readonly plan: PollPlan;
  readonly stream: DeliveryStream;
  readonly countsByStatus: Record<VmStatus, number>;
  readonly invalidIds: number;
  readonly unavailableCount: number;
  readonly resyncRound: number | undefined;
  /** The operator's release of held deletions was in force for this listing. */
  readonly releasing: boolean;
  /** The cursor an incremental-capable listing returned. */
  readonly cursor: string | undefined;
}

/** What a listing counted of the pages it read (the diff counts the publishable instances by status). */
interface ListingTally {
  invalidIds: number;
  unavailableCount: number;
}

/** The listing's own abort signal and time budget (see listing-budget.ts). */
interface GuardedListing {
  /** Aborted by the poll's signal or when the budget is spent. */
  readonly signal: AbortSignal;
  /** Runs `work` with the budget paused: waiting for the broker or the cache does not count against the listing. */
  offBudget<T>(work: () => Promise<T>): Promise<T>;
  /** Stops the budget and lets go of the poll's signal. */
  end(): void;
}

/** The poll's diff and delivery stream, begun by the first page (or by the end of an empty listing). */
interface LazyPollStart {
  get(): Promise<{ pollDiff: PollDiff; stream: DeliveryStream }>;
  /** The stream, once begun. */
  stream(): DeliveryStream | undefined;
}

/**
 * Lists, diffs and delivers page by page: a page's changes are recorded and
 * published while the next page is listed. Deletions and the index are
 * judged only once the list is complete and every page's events are
 * acknowledged; the plan they make is returned with the open stream.
 * Throws `POLL_ABORTED` when `signal` or the time budget stopped the listing,
 * else `LIST_INCOMPLETE`, after committing what the broker acknowledged.
 */
export async function listDiffAndDeliver(context: PollerContext, signal: AbortSignal, inputs: ListingInputs, plan: ListingPlan): Promise<ListedPoll> {
  const { endpoint } = context.options;
  const guard = guardListing(context, signal);
  const tally: ListingTally = { invalidIds: 0, unavailableCount: 0 };
  const start = lazyPollStart(context, guard, inputs);
  try {
    if (signal.aborted) throw signal.reason;
    const outcome: ListingOutcome = { deleted: new Map(), departed: new Set(), end: undefined };
    for await (const page of readAhead(openPages(context, plan, guard.signal, outcome))) {
      if (guard.signal.aborted) throw guard.signal.reason;
      const { pollDiff, stream } = await start.get();
      const observations = observePage(context, page, pollDiff, tally);
      await guard.offBudget(async () => stream.send(await pollDiff.addPage(observations)));
    }
    if (guard.signal.aborted) throw guard.signal.reason;
    return await finishListing(context, guard, start, plan, outcome, tally);
  } catch (error) {
    // What the broker acknowledged before the failure is committed before the poll gives up.
    await start.stream()?.drain().catch(() => undefined);
    if (guard.signal.aborted) throw asBridgeError(guard.signal.reason, ErrorCode.PollAborted, { endpoint: endpoint.name });
    throw asBridgeError(error, ErrorCode.ListIncomplete, { endpoint: endpoint.name, platform: endpoint.platform });
  } finally {
    guard.end();
  }
}

/** The listing's abort: the poll's own signal, or the budget of `pollTimeoutMs` spent on the platform. */
function guardListing(context: PollerContext, signal: AbortSignal): GuardedListing {
  const { clock, endpoint, pollTimeoutMs } = context.options;
  const listAbort = new AbortController();
  const onOuterAbort = (): void => listAbort.abort(signal.reason);
  signal.addEventListener('abort', onOuterAbort, { once: true });
  const budget = startListingBudget(clock, pollTimeoutMs, () =>
    listAbort.abort(new BridgeError(ErrorCode.PlatformTimeout, `listing ${endpoint.name} took longer than ${pollTimeoutMs / 1000} s`, { endpoint: endpoint.name })),
  );
  return {
    signal: listAbort.signal,
    async offBudget(work) {
      budget.pause();
      try {
        return await work();
      } finally {
        budget.resume();
      }
    },
    end() {
      budget.cancel();
      signal.removeEventListener('abort', onOuterAbort);
    },
  };
}

/**
 * Begins the poll's diff and opens its stream once the platform answers: a
 * poll that fails before its first page (an endpoint that cannot log in)
 * never reads the cache, nor DCM's stream when the epoch is new (the recall).
 */
function lazyPollStart(context: PollerContext, guard: GuardedListing, inputs: ListingInputs): LazyPollStart {
  const { differ, endpoint, logger } = context.options;
  let begun: { pollDiff: PollDiff; stream: DeliveryStream } | undefined;
  let stream: DeliveryStream | undefined;
  return {
    stream: () => stream,
    async get() {
      if (begun) return begun;
      const { observedAt, epoch, resyncRound } = inputs;
      const pollDiff = await guard.offBudget(() => differ.begin(endpoint.name, { observedAt, epoch, ...(resyncRound !== undefined ? { resyncRound } : {}) }));
      if (pollDiff.recalled && pollDiff.recalled.restored + pollDiff.recalled.forgotten > 0) {
        logger.warn(pollDiff.recalled, `the cache disagreed with DCM's stream: ${pollDiff.recalled.restored} instance(s) restored to the state DCM was told, ${pollDiff.recalled.forgotten} already reported DELETED dropped`);
      }
      stream = context.delivery.open(changeToEvent(context, epoch, pollDiff.resyncRound), (change) => countPublished(context, change));
      begun = { pollDiff, stream };
      return begun;
    },
  };
}

/** The pages the plan calls for: changes since the stored cursor, a full list that also yields a cursor, or a plain full list. */
function openPages(context: PollerContext, plan: ListingPlan, signal: AbortSignal, outcome: ListingOutcome): AsyncIterable<readonly RawInstance[]> {
  const { connection } = context.options;
  const { listChanges } = connection;
  if (plan.kind === 'incremental' && listChanges) return pagesOf(listChanges.call(connection, plan.cursor.value, signal), outcome);
  if (plan.kind === 'full' && plan.tracksCursor && listChanges) return pagesOf(listChanges.call(connection, undefined, signal), outcome);
  return connection.list(signal);
}

/**
 * One page's observations for the diff. Instances set aside (an invalid DCM
 * id, a state the platform cannot report now) are marked present, so they
 * are not taken for absent, and are counted and logged.
 */
function observePage(context: PollerContext, page: readonly RawInstance[], pollDiff: PollDiff, tally: ListingTally): Observation[] {
  const { endpoint, logger, metrics } = context.options;
  const { observations, invalid, unavailable } = observe(page, context.normalize);
  if (invalid.length > 0) {
    // Counted once a poll each, however many pages list them; the diff does the same for the others.
    const listedNow = pollDiff.markPresent(invalid.map((instance) => instance.platformId));
    tally.invalidIds += listedNow;
    metrics.invalidInstanceIds.inc({ endpoint: endpoint.name }, listedNow);
    logger.warn({ invalid: invalid.slice(0, 5).map((instance) => ({ platformId: instance.platformId, instanceId: instance.instanceId })), count: invalid.length }, 'instances whose DCM id is not a DNS label of at most 63 characters are not published');
  }
  if (unavailable.length > 0) {
    tally.unavailableCount += pollDiff.markPresent(unavailable.map((instance) => instance.platformId));
    logger.warn({ unavailable: unavailable.slice(0, 5).map((instance) => ({ platformId: instance.platformId, reason: instance.stateUnavailable })), count: unavailable.length }, 'the platform lists instances whose state it cannot report now; DCM keeps the state it was last told');
  }
  return observations;
}

/**
 * The complete list's end: once every page's events are acknowledged, the
 * diff judges deletions (absences confirmed with the platform, or the
 * platform's own deletions and departures for an incremental listing).
 */
async function finishListing(context: PollerContext, guard: GuardedListing, start: LazyPollStart, plan: ListingPlan, outcome: ListingOutcome, tally: ListingTally): Promise<ListedPoll> {
  const releasing = context.state.guardReleased;
  const { pollDiff, stream } = await start.get();
  await guard.offBudget(() => stream.drain());
  const absence = { confirm: (platformIds: readonly string[]) => confirmAbsence(context, platformIds, guard.signal), guardReleased: releasing };
  const finished = plan.kind === 'incremental' ? await pollDiff.finishChanges(outcome, absence) : await pollDiff.finish(absence);
  return { plan: finished, stream, countsByStatus: finished.counts.byStatus, invalidIds: tally.invalidIds, unavailableCount: tally.unavailableCount, resyncRound: pollDiff.resyncRound, releasing, cursor: outcome.end?.cursor };
}

/** Asks the platform about absent instances; a failure leaves every verdict unknown (nothing deleted). */
async function confirmAbsence(context: PollerContext, platformIds: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AbsenceFinding>> {
  const { connection, logger } = context.options;
  try {
    const findings = await connection.confirmAbsence(platformIds, signal);
    for (const [platformId, finding] of findings) if (finding.verdict !== 'gone') logger.info({ platformId, verdict: finding.verdict, evidence: finding.evidence }, `instance ${platformId} is missing from the list but not deleted: ${finding.verdict}`);
    return findings;
  } catch (error) {
    logger.warn({ err: error, instances: platformIds.length }, 'could not ask the platform about the instances missing from the list; none is deleted, they are asked about again after the next complete list');
    return new Map();
  }
}

/** Normalizes one page and sets aside instances DCM could not route (invalid ids) or the platform could not report (no state now). */
function observe(page: readonly RawInstance[], normalize: Normalizer): { observations: Observation[]; invalid: RawInstance[]; unavailable: RawInstance[] } {
  const observations: Observation[] = [];
  const invalid: RawInstance[] = [];
  const unavailable: RawInstance[] = [];
  for (const instance of page) {
    if (instance.stateUnavailable !== undefined) {
      unavailable.push(instance);
      continue;
    }
    if (typeof instance.instanceId !== 'string' || !dnsLabelPattern.test(instance.instanceId)) {
      invalid.push(instance);
      continue;
    }
    const { status, message } = normalize(instance);
    observations.push({
      platformId: instance.platformId,
      instanceId: instance.instanceId,
      status,
      message,
      rawState: instance.rawState ?? null,
      ...(instance.name !== undefined ? { name: boundText(instance.name, platformTextMaxChars) } : {}),
    });
  }
  return { observations, invalid, unavailable };
}
