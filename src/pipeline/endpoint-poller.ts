import type { Logger } from 'pino';
import type { PlatformAdapter, PlatformConnection } from '../adapter/index.js';
import type { ListingCursor, StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import type { EndpointConfig } from '../config/index.js';
import type { AbsenceCounts, Differ, VanishingVerdict } from '../diff/index.js';
import { ErrorCode, asBridgeError, isBridgeError } from '../errors/index.js';
import { labelValue, type BridgeMetrics } from '../metrics/index.js';
import { createNormalizer, vmStatuses, type VmStatus } from '../normalize/index.js';
import type { EventPublisher } from '../publisher/index.js';
import { createDelivery, type DeliveredCounts } from './delivery.js';
import { listingScope, planListing, type CursorResetReason, type ListingPlan } from './listing-plan.js';
import { listDiffAndDeliver, type ListedPoll, type ListingInputs } from './poll-listing.js';
import type { PollerContext } from './poller-context.js';

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
  const { endpoint, logger, metrics, cache, publisher } = options;
  const normalize = createNormalizer({
    table: options.adapter.stateTable,
    overrides: endpoint.stateOverrides,
    logger,
    onUnknownState: (rawState) => metrics.unknownRawStates.inc({ endpoint: endpoint.name, platform: endpoint.platform, raw_state: labelValue(rawState) }),
  });
  const delivery = createDelivery({ endpoint: endpoint.name, cache, publisher, logger, onUnacknowledged: (count) => metrics.publishFailures.inc({ endpoint: endpoint.name }, count) });
  const context: PollerContext = {
    options,
    normalize,
    delivery,
    scope: listingScope(endpoint),
    state: { lastResyncAt: options.resyncOnFirstPoll ? undefined : options.clock.now(), held: undefined, guardReleased: false },
  };
  return {
    heldDeletions: () => context.state.held,
    releaseHeldDeletions() {
      context.state.guardReleased = true;
      logger.warn({ held: context.state.held?.vanished ?? 0 }, 'an operator confirmed the held deletions: the next poll asks the platform about every vanished instance');
    },
    poll: (signal) => poll(context, signal),
  };
}

/** One poll: outbox, listing (see {@link listDiffAndDeliver}), the final changes delivered, the cursor kept, metrics and the report. */
async function poll(context: PollerContext, signal: AbortSignal): Promise<PollReport> {
  const { clock, endpoint, logger, metrics, cache } = context.options;
  const startedAt = clock.now();
  const started = performance.now();
  let outcome = 'failure';
  try {
    const epoch = await cache.currentEpoch();
    if (epoch.reason) logger.warn({ epoch: epoch.id }, `a new cache epoch begins: ${epoch.reason}; every state is re-published with fresh event ids`);
    const resent = await context.delivery.flushOutbox();
    const inputs: ListingInputs = { observedAt: startedAt, epoch: epoch.id, resyncRound: resyncDue(context, startedAt) ? startedAt : undefined };
    const { listing, listed } = await listFallingBackToFull(context, signal, inputs);
    const delivered = await deliverFinalChanges(context, listed);
    if (listed.resyncRound !== undefined) context.state.lastResyncAt = startedAt;
    await storeCursor(context, listing, listed.cursor, epoch.id, startedAt);
    recordPollMetrics(context, listing, listed);
    outcome = 'success';
    const report = pollReport(context, listing, listed, delivered, resent, Math.round(performance.now() - started));
    logger.info({ poll: report, ...(listing.kind === 'full' && listing.tracksCursor ? { fullListReason: listing.reason } : {}) }, report.transitions > 0 ? `poll published ${report.transitions} change(s)` : 'poll found no changes');
    return report;
  } catch (error) {
    // Throttling is counted per request by the adapter's onRequest hook, not again here.
    throw asBridgeError(error, ErrorCode.Internal, { endpoint: endpoint.name });
  } finally {
    metrics.pollDuration.observe({ endpoint: endpoint.name, outcome }, (performance.now() - started) / 1000);
  }
}

function resyncDue(context: PollerContext, now: number): boolean {
  const { lastResyncAt } = context.state;
  return lastResyncAt === undefined || (context.options.resyncMs > 0 && now - lastResyncAt >= context.options.resyncMs);
}

/** Lists as planned; a cursor the platform refuses is noted and the poll lists in full instead. */
async function listFallingBackToFull(context: PollerContext, signal: AbortSignal, inputs: ListingInputs): Promise<{ listing: ListingPlan; listed: ListedPoll }> {
  const chosen = await chooseListing(context, inputs.epoch, inputs.observedAt);
  const listing = chosen.plan;
  try {
    return { listing, listed: await listDiffAndDeliver(context, signal, inputs, listing) };
  } catch (error) {
    if (listing.kind !== 'incremental' || !isBridgeError(error, ErrorCode.CursorRejected)) throw error;
    noteCursorReset(context, 'rejected', `the platform refused the listing cursor (${error.message}); listing in full`);
    const full: ListingPlan = { kind: 'full', reason: 'the platform refused the listing cursor', tracksCursor: true };
    return { listing: full, listed: await listDiffAndDeliver(context, signal, inputs, full) };
  }
}

/** The poll's listing; a cursor that cannot serve is noted (metric and log) and set aside. */
async function chooseListing(context: PollerContext, epoch: string, now: number) {
  const { options, scope, state } = context;
  const stored = options.connection.listChanges && options.fullListMs > 0 ? await options.cache.readListingCursor(options.endpoint.name) : undefined;
  const chosen = planListing({ connection: options.connection, fullListMs: options.fullListMs, stored, epoch, scope, now, deletionsInDoubt: state.held !== undefined || state.guardReleased });
  if (chosen.reset && chosen.plan.kind === 'full') noteCursorReset(context, chosen.reset, `${chosen.plan.reason}; listing in full`);
  return chosen;
}

function noteCursorReset(context: PollerContext, reason: CursorResetReason, message: string): void {
  context.options.metrics.cursorResets.inc({ endpoint: context.options.endpoint.name, reason });
  context.options.logger.warn({ reason }, message);
}

/**
 * The listing's verdicts (the guard, conflicting ids) noted, then its final
 * changes (deletions, the index) sent and everything acknowledged and committed.
 */
async function deliverFinalChanges(context: PollerContext, listed: ListedPoll): Promise<DeliveredCounts> {
  const { endpoint, logger, metrics } = context.options;
  const { plan, stream, releasing } = listed;
  noteGuard(context, plan.held);
  if (plan.idConflicts) {
    const setAside = plan.idConflicts.reduce((count, conflict) => count + conflict.setAside.length, 0);
    metrics.invalidInstanceIds.inc({ endpoint: endpoint.name }, setAside);
    logger.warn({ conflicts: plan.idConflicts.slice(0, 5), count: plan.idConflicts.length }, 'several platform instances carry one DCM id; DCM hears only the one it already knows (else the first listed), the others are not published');
  }
  if (releasing) context.state.guardReleased = false;
  await stream.send(plan.changes, plan.index);
  return stream.drain();
}

/** The guard's verdict, kept for health and the API, logged when it changes. */
function noteGuard(context: PollerContext, verdict: VanishingVerdict | undefined): void {
  const { endpoint, logger, metrics } = context.options;
  const { held } = context.state;
  if (verdict && !held) logger.error({ known: verdict.known, vanished: verdict.vanished }, verdict.reason);
  if (!verdict && held) logger.info('the mass-deletion guard released this endpoint: the list recovered or an operator confirmed');
  context.state.held = verdict;
  metrics.deletionsHeld.set({ endpoint: endpoint.name }, verdict ? verdict.vanished : 0);
}

/**
 * Keeps the cursor the listing returned, once every event of the poll was
 * acknowledged and committed: it never moves past what DCM heard. A full
 * list starts the clock of the next one; a failed write only means the
 * next poll resumes from the previous cursor and repeats what it saw.
 */
async function storeCursor(context: PollerContext, listing: ListingPlan, cursor: string | undefined, epoch: string, startedAt: number): Promise<void> {
  if (listing.kind === 'full' && !listing.tracksCursor) return;
  const fullListAt = listing.kind === 'incremental' ? listing.cursor.fullListAt : startedAt;
  const next: ListingCursor | null = cursor === undefined ? null : { value: cursor, fullListAt, epoch, scope: context.scope };
  try {
    await context.options.cache.writeListingCursor(context.options.endpoint.name, next);
  } catch (error) {
    context.options.logger.warn({ err: error }, 'could not store the listing cursor; the next poll resumes from the previous one and repeats what it saw');
  }
}

/** A successful poll's metrics. */
function recordPollMetrics(context: PollerContext, listing: ListingPlan, listed: ListedPoll): void {
  const { clock, endpoint, metrics } = context.options;
  const { plan, countsByStatus } = listed;
  metrics.polls.inc({ endpoint: endpoint.name, kind: listing.kind });
  // The gauge counts what a complete list showed; an incremental listing shows only changes.
  if (listing.kind === 'full') for (const status of vmStatuses) metrics.instances.set({ endpoint: endpoint.name, status }, countsByStatus[status]);
  for (const verdict of ['gone', 'present', 'unmanaged', 'unknown'] as const) if (plan.counts.absence[verdict] > 0) metrics.absenceChecks.inc({ endpoint: endpoint.name, verdict }, plan.counts.absence[verdict]);
  metrics.lastSuccess.set({ endpoint: endpoint.name }, clock.now() / 1000);
  if (plan.counts.debounced > 0) metrics.debounced.inc({ endpoint: endpoint.name }, plan.counts.debounced);
}

function pollReport(context: PollerContext, listing: ListingPlan, listed: ListedPoll, delivered: DeliveredCounts, resent: number, durationMs: number): PollReport {
  const { plan } = listed;
  return {
    endpoint: context.options.endpoint.name,
    kind: listing.kind,
    observed: plan.counts.observed,
    transitions: delivered.transitions,
    resynced: delivered.resyncs,
    debounced: plan.counts.debounced,
    missing: plan.counts.missing,
    invalidIds: listed.invalidIds,
    unavailable: listed.unavailableCount,
    absence: plan.counts.absence,
    ...(plan.held ? { deletionsHeld: plan.held } : {}),
    resent,
    countsByStatus: listed.countsByStatus,
    durationMs,
  };
}
