import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import type { VanishingVerdict } from '../diff/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../errors/index.js';
import { healthStates, judgeEndpointHealth, type HealthAnnouncer } from '../health/index.js';
import type { MaintenanceStatus } from '../maintenance/index.js';
import type { BridgeMetrics } from '../metrics/index.js';
import type { PollReport } from '../pipeline/index.js';
import type { PollSettlement } from '../scheduler/index.js';
import type { EndpointStatus } from './types.js';

export interface EndpointBookOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  /** Announces health changes on the broker; absent with the stdout publisher. */
  readonly health: HealthAnnouncer | undefined;
  /** The mass-deletion guard's verdict while it holds the endpoint's deletions. */
  readonly heldDeletionsOf: (endpoint: string) => VanishingVerdict | undefined;
  /** The endpoint's maintenance windows as of now, when it has some. */
  readonly maintenanceOf: (endpoint: string) => MaintenanceStatus | undefined;
  /** A poll found its lease gone: the cluster should look again now. */
  readonly onLeaseLost: () => void;
}

/**
 * The bridge's record of every scheduled endpoint: its status (what the
 * status API, readiness and `once` read), its health gauges and health
 * events, and the platform requests of the poll in progress.
 */
export interface EndpointBook {
  /** The endpoint's status with its maintenance windows as of now; undefined when it is not scheduled here. */
  status(endpoint: string): EndpointStatus | undefined;
  /** A fresh record: polling of the endpoint (as configured now) begins. */
  open(endpoint: string): void;
  /** The endpoint cannot be polled at all (its adapter refused it). */
  refuse(endpoint: string, failure: BridgeError): void;
  /** A poll of the endpoint begins: its request counts start at 0. */
  beginPoll(endpoint: string): void;
  /** One platform request of the poll in progress. */
  countRequest(endpoint: string, throttled: boolean): void;
  /** The poll in progress was held this long by its account's request budget (`rateLimits.<platform>`): one stretch of waiting, however many requests waited in it. */
  countRateLimitWait(endpoint: string, platform: string, waitedMs: number): void;
  /** A poll settled (the scheduler's report, and the pipeline's when it succeeded). */
  settle(settlement: PollSettlement, report?: PollReport): void;
  /** The endpoint's next poll was moved to `nextPollAt` between polls (the scheduler expedited it). */
  rescheduled(endpoint: string, nextPollAt: number): void;
  /** Judges health again without a poll (a maintenance window opened or closed). */
  rejudge(endpoint: string): void;
  forget(endpoint: string): void;
}

export function createEndpointBook(options: EndpointBookOptions): EndpointBook {
  const { clock, logger, metrics } = options;
  const statuses = new Map<string, EndpointStatus>();
  /** Requests of the poll in progress per endpoint; copied into the status when it settles. */
  const pollRequests = new Map<string, PollRequestCounts>();
  /** The platform of each endpoint whose polls waited for their rate limit, and when that was last warned about. */
  const rateLimitWarnings = new Map<string, RateLimitWarning>();

  const withMaintenance = (status: EndpointStatus): EndpointStatus => {
    const maintenance = options.maintenanceOf(status.endpoint);
    return maintenance ? { ...status, maintenance } : status;
  };

  const recordHealth = (stored: EndpointStatus): void => {
    const status = withMaintenance(stored);
    const verdict = judgeEndpointHealth(status);
    for (const state of healthStates) metrics.endpointHealth.set({ endpoint: status.endpoint, state }, state === verdict.state ? 1 : 0);
    metrics.consecutiveFailures.set({ endpoint: status.endpoint }, status.consecutiveFailures);
    void options.health?.observe(status.endpoint, status);
  };

  return {
    status(endpoint) {
      const status = statuses.get(endpoint);
      return status ? withMaintenance(status) : undefined;
    },
    open(endpoint) {
      statuses.set(endpoint, { endpoint, consecutiveFailures: 0, since: clock.now() });
    },
    refuse(endpoint, failure) {
      const status: EndpointStatus = { endpoint, consecutiveFailures: 1, since: clock.now(), lastError: { code: failure.code, message: failure.message, at: clock.now() } };
      statuses.set(endpoint, status);
      recordHealth(status);
    },
    beginPoll(endpoint) {
      pollRequests.set(endpoint, { requests: 0, throttles: 0, rateLimitWaitMs: 0 });
    },
    countRequest(endpoint, throttled) {
      const counted = pollRequests.get(endpoint);
      if (!counted) return;
      counted.requests++;
      if (throttled) counted.throttles++;
    },
    countRateLimitWait(endpoint, platform, waitedMs) {
      metrics.rateLimitWait.inc({ endpoint }, waitedMs / 1000);
      const counted = pollRequests.get(endpoint);
      if (!counted) return;
      counted.rateLimitWaitMs += waitedMs;
      const warning = rateLimitWarnings.get(endpoint);
      if (!warning || warning.platform !== platform) rateLimitWarnings.set(endpoint, { platform });
    },
    settle(settlement, report) {
      const previous = statuses.get(settlement.name) ?? { endpoint: settlement.name, consecutiveFailures: 0 };
      const counted = pollRequests.get(settlement.name) ?? { requests: 0, throttles: 0, rateLimitWaitMs: 0 };
      const status = settledStatus(previous, { settlement, counted, held: options.heldDeletionsOf(settlement.name), ...(report ? { report } : {}) });
      warnOfRateLimitWait(logger, rateLimitWarnings.get(settlement.name), settlement, counted);
      statuses.set(settlement.name, status);
      const error = settlement.error;
      // The lease went elsewhere while this replica still counted on it: find out now, not at the next renewal.
      if (isBridgeError(error, ErrorCode.LeaseLost)) options.onLeaseLost();
      if (!error && report) metrics.pollRequests.observe({ endpoint: settlement.name, kind: report.kind }, status.lastPoll?.requests ?? 0);
      recordHealth(status);
      if (error) reportFailure(logger, metrics, settlement, error);
    },
    rescheduled(endpoint, nextPollAt) {
      const status = statuses.get(endpoint);
      if (status) statuses.set(endpoint, { ...status, nextPollAt });
    },
    rejudge(endpoint) {
      const status = statuses.get(endpoint);
      if (status) recordHealth(status);
    },
    forget(endpoint) {
      statuses.delete(endpoint);
      pollRequests.delete(endpoint);
      rateLimitWarnings.delete(endpoint);
      options.health?.forget(endpoint);
      metrics.deletionsHeld.remove({ endpoint });
      metrics.consecutiveFailures.remove({ endpoint });
      for (const state of healthStates) metrics.endpointHealth.remove({ endpoint, state });
    },
  };
}

/** A failed poll in the failure counter and the log, with when the endpoint is polled next. */
function reportFailure(logger: Logger, metrics: BridgeMetrics, settlement: PollSettlement, error: BridgeError): void {
  metrics.pollFailures.inc({ endpoint: settlement.name, code: error.code });
  const next = settlement.nextRunAt !== undefined ? new Date(settlement.nextRunAt).toISOString() : undefined;
  logger.child({ endpoint: settlement.name }).warn({ err: error, consecutiveFailures: settlement.consecutiveFailures, nextPollAt: next }, `poll failed: ${error.message}`);
}

/** The platform requests of one poll, as the book counts them. */
interface PollRequestCounts {
  requests: number;
  throttles: number;
  /** Milliseconds during which at least one of its requests waited for the account's rate limit. */
  rateLimitWaitMs: number;
}

/** A poll that waited less than this for its rate limit is not warned about, whatever its share. */
const rateLimitWaitWarnMinimumMs = 1000;
/** How often the rate-limit warning may repeat for one endpoint. */
const rateLimitWarnEveryMs = 15 * 60_000;

/** An endpoint whose polls waited for their rate limit: its platform, and when that was last warned about. */
interface RateLimitWarning {
  readonly platform: string;
  warnedAt?: number;
}

/**
 * Warns when a poll spent most of its time (and at least a second) waiting
 * for its account's request budget: its states reach DCM that much later,
 * which no other figure shows. Once per endpoint per quarter of an hour.
 */
function warnOfRateLimitWait(logger: Logger, warning: RateLimitWarning | undefined, settlement: PollSettlement, counted: PollRequestCounts): void {
  const durationMs = settlement.finishedAt - settlement.startedAt;
  if (!warning || counted.rateLimitWaitMs < rateLimitWaitWarnMinimumMs || counted.rateLimitWaitMs * 2 < durationMs) return;
  if (warning.warnedAt !== undefined && settlement.finishedAt - warning.warnedAt < rateLimitWarnEveryMs) return;
  warning.warnedAt = settlement.finishedAt;
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  logger.child({ endpoint: settlement.name }).warn(
    { platform: warning.platform, rateLimitWaitMs: Math.round(counted.rateLimitWaitMs), pollDurationMs: durationMs, requests: counted.requests },
    `poll of ${settlement.name} spent ${seconds(counted.rateLimitWaitMs)} of its ${seconds(durationMs)} waiting for its account's request budget (rateLimits.${warning.platform}): its changes reach DCM that much later; raise the limit if the platform allows it, or poll less often`,
  );
}

/** What a settled poll makes of the endpoint's previous status: its counts, its error or success, the guard's hold. */
function settledStatus(previous: EndpointStatus, poll: { settlement: PollSettlement; counted: PollRequestCounts; held: VanishingVerdict | undefined; report?: PollReport }): EndpointStatus {
  const { settlement, counted, held, report } = poll;
  const error: BridgeError | undefined = settlement.error;
  const { deletionsHeld: _previouslyHeld, ...carried } = previous;
  return {
    ...carried,
    ...(held ? { deletionsHeld: held } : {}),
    consecutiveFailures: settlement.consecutiveFailures,
    lastPoll: { requests: counted.requests, throttles: counted.throttles, rateLimitWaitMs: Math.round(counted.rateLimitWaitMs), finishedAt: settlement.finishedAt },
    ...(settlement.nextRunAt !== undefined ? { nextPollAt: settlement.nextRunAt } : {}),
    ...(error ? { lastError: { code: error.code, message: error.message, at: settlement.finishedAt } } : { lastSuccessAt: settlement.finishedAt, ...(report ? { lastReport: report, ...(report.kind === 'full' ? { instanceCounts: report.countsByStatus } : {}) } : {}) }),
  };
}
