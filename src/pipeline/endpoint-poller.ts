import type { Logger } from 'pino';
import type { AbsenceFinding, PlatformAdapter, PlatformConnection, RawInstance } from '../adapter/index.js';
import type { ListingCursor, StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import { dnsLabelPattern, type EndpointConfig } from '../config/index.js';
import type { AbsenceCounts, Change, Differ, Observation, PollDiff, VanishingVerdict } from '../diff/index.js';
import { BridgeError, ErrorCode, asBridgeError, isBridgeError } from '../errors/index.js';
import { labelValue, type BridgeMetrics } from '../metrics/index.js';
import { createNormalizer, platformTextMaxChars, vmStatuses, type VmStatus } from '../normalize/index.js';
import { buildStatusEvent, type EventPublisher } from '../publisher/index.js';
import { boundText } from '../text/index.js';
import { createDelivery, type DeliveryStream } from './delivery.js';
import { startListingBudget } from './listing-budget.js';
import { listingScope, pagesOf, planListing, type CursorResetReason, type ListingOutcome, type ListingPlan } from './listing-plan.js';
import { readAhead } from './read-ahead.js';

/** What one successful poll did, for logs, `once` and the status API. */
export interface PollReport {
  readonly endpoint: string;
  /** `full`: every managed instance was listed; `incremental`: only what changed since the stored cursor. */
  readonly kind: 'full' | 'incremental';
  readonly observed: number;
  readonly transitions: number;
  readonly resynced: number;
  readonly debounced: number;
  readonly missing: number;
  readonly invalidIds: number;
  /** Listed, but the platform could not report their state now (kept as DCM last heard). */
  readonly unavailable: number;
  /** What the platform said about the instances this list left out. */
  readonly absence: AbsenceCounts;
  /** Set while the mass-deletion guard holds this endpoint's deletions. */
  readonly deletionsHeld?: VanishingVerdict;
  /** Events of earlier polls resent from the outbox before this one. */
  readonly resent: number;
  readonly countsByStatus: Readonly<Record<VmStatus, number>>;
  readonly durationMs: number;
}

export interface EndpointPollerOptions {
  readonly endpoint: EndpointConfig;
  readonly adapter: PlatformAdapter;
  readonly connection: PlatformConnection;
  readonly differ: Differ;
  readonly cache: StateCache;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Already bound to the endpoint. */
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  readonly providerName: string;
  /** A listing (with its absence confirmations) running longer is aborted and the poll fails. */
  readonly pollTimeoutMs: number;
  /** Re-publish current states this often; 0 = only on the first poll (when `resyncOnFirstPoll`). */
  readonly resyncMs: number;
  /** Invariant 5: the first successful poll of a process re-publishes everything. */
  readonly resyncOnFirstPoll: boolean;
  /** Where the adapter lists incrementally, a full list still runs this often; 0 = always in full. */
  readonly fullListMs: number;
}

/** Polls one endpoint through the whole pipeline. */
export interface EndpointPoller {
  /**
   * outbox, then per page list → normalize → diff → record → publish →
   * commit, then (on a complete list) absences confirmed with the platform
   * and deletions delivered. The listing is full or, where the adapter
   * offers `listChanges` and a stored cursor serves (see listing-plan.ts),
   * incremental: then the platform's deletions and departures are judged
   * instead of absences, and the cursor it returns is stored once every
   * event of the poll is acknowledged and committed. Throws (a BridgeError) when the outbox could
   * not be flushed, when the listing failed (the pages read before the
   * failure are delivered; nothing is deleted, no absence counted) or when
   * any event was not acknowledged (the acknowledged ones are committed,
   * the rest stay in the outbox). `signal` aborts the listing only: what
   * was sent is acknowledged and committed before the poll ends, so a
   * shutdown never leaves an acknowledged event uncommitted.
   */
  poll(signal: AbortSignal): Promise<PollReport>;
  /** The guard's verdict while it holds this endpoint's deletions. */
  heldDeletions(): VanishingVerdict | undefined;
  /** An operator's confirmation: the next poll asks the platform about the vanished instances despite the guard. */
  releaseHeldDeletions(): void;
}

/** Creates the poller of one endpoint. */
export function createEndpointPoller(options: EndpointPollerOptions): EndpointPoller {
  const { endpoint, clock, logger, metrics, differ, cache, publisher } = options;
  const normalize = createNormalizer({
    table: options.adapter.stateTable,
    overrides: endpoint.stateOverrides,
    logger,
    onUnknownState: (rawState) => metrics.unknownRawStates.inc({ endpoint: endpoint.name, platform: endpoint.platform, raw_state: labelValue(rawState) }),
  });
  const delivery = createDelivery({ endpoint: endpoint.name, cache, publisher, logger, onUnacknowledged: (count) => metrics.publishFailures.inc({ endpoint: endpoint.name }, count) });
  let lastResyncAt: number | undefined = options.resyncOnFirstPoll ? undefined : clock.now();
  let held: VanishingVerdict | undefined;
  let guardReleased = false;
  const scope = listingScope(endpoint);

  const resyncDue = (now: number): boolean =>
    lastResyncAt === undefined || (options.resyncMs > 0 && now - lastResyncAt >= options.resyncMs);

  /** Asks the platform about absent instances; a failure leaves every verdict unknown (nothing deleted). */
  const confirmAbsence = async (platformIds: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AbsenceFinding>> => {
    try {
      const findings = await options.connection.confirmAbsence(platformIds, signal);
      for (const [platformId, finding] of findings) if (finding.verdict !== 'gone') logger.info({ platformId, verdict: finding.verdict, evidence: finding.evidence }, `instance ${platformId} is missing from the list but not deleted: ${finding.verdict}`);
      return findings;
    } catch (error) {
      logger.warn({ err: error, instances: platformIds.length }, 'could not ask the platform about the instances missing from the list; none is deleted, they are asked about again after the next complete list');
      return new Map();
    }
  };

  /**
   * Lists, diffs and delivers page by page: a page's changes are recorded and
   * published while the next page is listed. Deletions and the index are
   * judged only once the list is complete and every page's events are
   * acknowledged; the plan they make is returned with the open stream.
   */
  const listDiffAndDeliver = async (signal: AbortSignal, observedAt: number, epoch: string, resyncRound: number | undefined, plan: ListingPlan) => {
    const listAbort = new AbortController();
    const onOuterAbort = (): void => listAbort.abort(signal.reason);
    signal.addEventListener('abort', onOuterAbort, { once: true });
    const budget = startListingBudget(clock, options.pollTimeoutMs, () =>
      listAbort.abort(new BridgeError(ErrorCode.PlatformTimeout, `listing ${endpoint.name} took longer than ${options.pollTimeoutMs / 1000} s`, { endpoint: endpoint.name })),
    );
    const countsByStatus = Object.fromEntries(vmStatuses.map((status) => [status, 0])) as Record<VmStatus, number>;
    let invalidIds = 0;
    let unavailableCount = 0;
    let stream: DeliveryStream | undefined;
    /** Time spent waiting for the broker or the cache does not count against the listing. */
    const offBudget = async <T>(work: () => Promise<T>): Promise<T> => {
      budget.pause();
      try {
        return await work();
      } finally {
        budget.resume();
      }
    };
    try {
      if (signal.aborted) throw signal.reason;
      // Begun once the platform answers: a poll that fails before its first page (an endpoint that
      // cannot log in) never reads the cache, nor DCM's stream when the epoch is new (the recall).
      let begun: { pollDiff: PollDiff; stream: DeliveryStream } | undefined;
      const diff = async () => {
        if (begun) return begun;
        const pollDiff = await offBudget(() => differ.begin(endpoint.name, { observedAt, epoch, ...(resyncRound !== undefined ? { resyncRound } : {}) }));
        if (pollDiff.recalled && pollDiff.recalled.restored + pollDiff.recalled.forgotten > 0) {
          logger.warn(pollDiff.recalled, `the cache disagreed with DCM's stream: ${pollDiff.recalled.restored} instance(s) restored to the state DCM was told, ${pollDiff.recalled.forgotten} already reported DELETED dropped`);
        }
        stream = delivery.open(toEvent(epoch, pollDiff.resyncRound), countPublished);
        begun = { pollDiff, stream };
        return begun;
      };
      const outcome: ListingOutcome = { deleted: new Map(), departed: new Set(), end: undefined };
      const { listChanges } = options.connection;
      const pages =
        plan.kind === 'incremental' && listChanges
          ? pagesOf(listChanges.call(options.connection, plan.cursor.value, listAbort.signal), outcome)
          : plan.kind === 'full' && plan.tracksCursor && listChanges
            ? pagesOf(listChanges.call(options.connection, undefined, listAbort.signal), outcome)
            : options.connection.list(listAbort.signal);
      for await (const page of readAhead(pages)) {
        if (listAbort.signal.aborted) throw listAbort.signal.reason;
        const { pollDiff, stream: pageStream } = await diff();
        const { observations, invalid, unavailable } = observe(page, normalize);
        invalidIds += invalid.length;
        if (invalid.length > 0) {
          metrics.invalidInstanceIds.inc({ endpoint: endpoint.name }, invalid.length);
          pollDiff.markPresent(invalid.map((instance) => instance.platformId));
          logger.warn({ invalid: invalid.slice(0, 5).map((instance) => ({ platformId: instance.platformId, instanceId: instance.instanceId })), count: invalid.length }, 'instances whose DCM id is not a DNS label of at most 63 characters are not published');
        }
        if (unavailable.length > 0) {
          unavailableCount += unavailable.length;
          pollDiff.markPresent(unavailable.map((instance) => instance.platformId));
          logger.warn({ unavailable: unavailable.slice(0, 5).map((instance) => ({ platformId: instance.platformId, reason: instance.stateUnavailable })), count: unavailable.length }, 'the platform lists instances whose state it cannot report now; DCM keeps the state it was last told');
        }
        for (const observation of observations) countsByStatus[observation.status]++;
        await offBudget(async () => pageStream.send(await pollDiff.addPage(observations)));
      }
      if (listAbort.signal.aborted) throw listAbort.signal.reason;
      const releasing = guardReleased;
      const { pollDiff, stream: pollStream } = await diff();
      await offBudget(() => pollStream.drain());
      const absence = { confirm: (platformIds: readonly string[]) => confirmAbsence(platformIds, listAbort.signal), guardReleased: releasing };
      const finished = plan.kind === 'incremental' ? await pollDiff.finishChanges(outcome, absence) : await pollDiff.finish(absence);
      return { plan: finished, stream: pollStream, countsByStatus, invalidIds, unavailableCount, resyncRound: pollDiff.resyncRound, releasing, cursor: outcome.end?.cursor };
    } catch (error) {
      // What the broker acknowledged before the failure is committed before the poll gives up.
      await stream?.drain().catch(() => undefined);
      if (listAbort.signal.aborted) throw asBridgeError(listAbort.signal.reason, ErrorCode.PollAborted, { endpoint: endpoint.name });
      throw asBridgeError(error, ErrorCode.ListIncomplete, { endpoint: endpoint.name, platform: endpoint.platform });
    } finally {
      budget.cancel();
      signal.removeEventListener('abort', onOuterAbort);
    }
  };

  const toEvent = (epoch: string, resyncRound: number | undefined) => (change: Change) =>
    buildStatusEvent({
      providerName: options.providerName,
      endpoint: endpoint.name,
      platform: endpoint.platform,
      serviceType: endpoint.serviceType,
      platformId: change.platformId,
      instanceId: change.instanceId,
      status: change.status,
      previousStatus: change.previousStatus,
      message: change.message,
      observedAt: change.observedAt,
      sequence: change.sequence,
      epoch,
      ...(change.kind === 'resync' ? { resyncRound } : {}),
    });

  const countPublished = (change: Change): void => metrics.eventsPublished.inc({ endpoint: endpoint.name, status: change.status, kind: change.kind });

  /** The guard's verdict, kept for health and the API, logged when it changes. */
  const noteGuard = (verdict: VanishingVerdict | undefined): void => {
    if (verdict && !held) logger.error({ known: verdict.known, vanished: verdict.vanished }, verdict.reason);
    if (!verdict && held) logger.info('the mass-deletion guard released this endpoint: the list recovered or an operator confirmed');
    held = verdict;
    metrics.deletionsHeld.set({ endpoint: endpoint.name }, verdict ? verdict.vanished : 0);
  };

  const noteCursorReset = (reason: CursorResetReason, message: string): void => {
    metrics.cursorResets.inc({ endpoint: endpoint.name, reason });
    logger.warn({ reason }, message);
  };

  /** The poll's listing; a cursor that cannot serve is noted (metric and log) and set aside. */
  const chooseListing = async (epoch: string, now: number) => {
    const stored = options.connection.listChanges && options.fullListMs > 0 ? await cache.readListingCursor(endpoint.name) : undefined;
    const chosen = planListing({ connection: options.connection, fullListMs: options.fullListMs, stored, epoch, scope, now, deletionsInDoubt: held !== undefined || guardReleased });
    if (chosen.reset && chosen.plan.kind === 'full') noteCursorReset(chosen.reset, `${chosen.plan.reason}; listing in full`);
    return chosen;
  };

  /**
   * Keeps the cursor the listing returned, once every event of the poll was
   * acknowledged and committed: it never moves past what DCM heard. A full
   * list starts the clock of the next one; a failed write only means the
   * next poll resumes from the previous cursor and repeats what it saw.
   */
  const storeCursor = async (listing: ListingPlan, cursor: string | undefined, epoch: string, startedAt: number): Promise<void> => {
    if (listing.kind === 'full' && !listing.tracksCursor) return;
    const fullListAt = listing.kind === 'incremental' ? listing.cursor.fullListAt : startedAt;
    const next: ListingCursor | null = cursor === undefined ? null : { value: cursor, fullListAt, epoch, scope };
    try {
      await cache.writeListingCursor(endpoint.name, next);
    } catch (error) {
      logger.warn({ err: error }, 'could not store the listing cursor; the next poll resumes from the previous one and repeats what it saw');
    }
  };

  return {
    heldDeletions: () => held,
    releaseHeldDeletions() {
      guardReleased = true;
      logger.warn({ held: held?.vanished ?? 0 }, 'an operator confirmed the held deletions: the next poll asks the platform about every vanished instance');
    },
    async poll(signal) {
      const startedAt = clock.now();
      const started = performance.now();
      let outcome = 'failure';
      try {
        const epoch = await cache.currentEpoch();
        if (epoch.reason) logger.warn({ epoch: epoch.id }, `a new cache epoch begins: ${epoch.reason}; every state is re-published with fresh event ids`);
        const resent = await delivery.flushOutbox();
        const resyncRound = resyncDue(startedAt) ? startedAt : undefined;
        const chosen = await chooseListing(epoch.id, startedAt);
        let listing = chosen.plan;
        let listed: Awaited<ReturnType<typeof listDiffAndDeliver>>;
        try {
          listed = await listDiffAndDeliver(signal, startedAt, epoch.id, resyncRound, listing);
        } catch (error) {
          if (listing.kind !== 'incremental' || !isBridgeError(error, ErrorCode.CursorRejected)) throw error;
          noteCursorReset('rejected', `the platform refused the listing cursor (${error.message}); listing in full`);
          listing = { kind: 'full', reason: 'the platform refused the listing cursor', tracksCursor: true };
          listed = await listDiffAndDeliver(signal, startedAt, epoch.id, resyncRound, listing);
        }
        const { plan, stream, countsByStatus, invalidIds, unavailableCount, releasing } = listed;
        noteGuard(plan.held);
        if (plan.idConflicts) {
          const setAside = plan.idConflicts.reduce((count, conflict) => count + conflict.setAside.length, 0);
          metrics.invalidInstanceIds.inc({ endpoint: endpoint.name }, setAside);
          logger.warn({ conflicts: plan.idConflicts.slice(0, 5), count: plan.idConflicts.length }, 'several platform instances carry one DCM id; DCM hears only the one it already knows (else the first listed), the others are not published');
        }
        if (releasing) guardReleased = false;
        await stream.send(plan.changes, plan.index);
        const delivered = await stream.drain();
        if (listed.resyncRound !== undefined) lastResyncAt = startedAt;
        await storeCursor(listing, listed.cursor, epoch.id, startedAt);
        metrics.polls.inc({ endpoint: endpoint.name, kind: listing.kind });
        // The gauge counts what a complete list showed; an incremental listing shows only changes.
        if (listing.kind === 'full') for (const status of vmStatuses) metrics.instances.set({ endpoint: endpoint.name, status }, countsByStatus[status]);
        for (const verdict of ['gone', 'present', 'unmanaged', 'unknown'] as const) if (plan.counts.absence[verdict] > 0) metrics.absenceChecks.inc({ endpoint: endpoint.name, verdict }, plan.counts.absence[verdict]);
        metrics.lastSuccess.set({ endpoint: endpoint.name }, clock.now() / 1000);
        if (plan.counts.debounced > 0) metrics.debounced.inc({ endpoint: endpoint.name }, plan.counts.debounced);
        outcome = 'success';
        const transitions = delivered.transitions;
        const report: PollReport = {
          endpoint: endpoint.name,
          kind: listing.kind,
          observed: plan.counts.observed,
          transitions,
          resynced: delivered.resyncs,
          debounced: plan.counts.debounced,
          missing: plan.counts.missing,
          invalidIds,
          unavailable: unavailableCount,
          absence: plan.counts.absence,
          ...(plan.held ? { deletionsHeld: plan.held } : {}),
          resent,
          countsByStatus,
          durationMs: Math.round(performance.now() - started),
        };
        logger.info({ poll: report, ...(listing.kind === 'full' && listing.tracksCursor ? { fullListReason: listing.reason } : {}) }, transitions > 0 ? `poll published ${transitions} change(s)` : 'poll found no changes');
        return report;
      } catch (error) {
        // Throttling is counted per request by the adapter's onRequest hook, not again here.
        throw asBridgeError(error, ErrorCode.Internal, { endpoint: endpoint.name });
      } finally {
        metrics.pollDuration.observe({ endpoint: endpoint.name, outcome }, (performance.now() - started) / 1000);
      }
    },
  };
}

/** Normalizes one page and sets aside instances DCM could not route (invalid ids) or the platform could not report (no state now). */
function observe(page: readonly RawInstance[], normalize: ReturnType<typeof createNormalizer>): { observations: Observation[]; invalid: RawInstance[]; unavailable: RawInstance[] } {
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
