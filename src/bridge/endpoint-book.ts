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
  /** A poll settled (the scheduler's report, and the pipeline's when it succeeded). */
  settle(settlement: PollSettlement, report?: PollReport): void;
  /** Judges health again without a poll (a maintenance window opened or closed). */
  rejudge(endpoint: string): void;
  forget(endpoint: string): void;
}

export function createEndpointBook(options: EndpointBookOptions): EndpointBook {
  const { clock, logger, metrics } = options;
  const statuses = new Map<string, EndpointStatus>();
  /** Requests of the poll in progress per endpoint; copied into the status when it settles. */
  const pollRequests = new Map<string, { requests: number; throttles: number }>();

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
      pollRequests.set(endpoint, { requests: 0, throttles: 0 });
    },
    countRequest(endpoint, throttled) {
      const counted = pollRequests.get(endpoint);
      if (!counted) return;
      counted.requests++;
      if (throttled) counted.throttles++;
    },
    settle(settlement, report) {
      const previous = statuses.get(settlement.name) ?? { endpoint: settlement.name, consecutiveFailures: 0 };
      const counted = pollRequests.get(settlement.name) ?? { requests: 0, throttles: 0 };
      const status = settledStatus(previous, { settlement, counted, held: options.heldDeletionsOf(settlement.name), ...(report ? { report } : {}) });
      statuses.set(settlement.name, status);
      const error = settlement.error;
      // The lease went elsewhere while this replica still counted on it: find out now, not at the next renewal.
      if (isBridgeError(error, ErrorCode.LeaseLost)) options.onLeaseLost();
      if (!error && report) metrics.pollRequests.observe({ endpoint: settlement.name, kind: report.kind }, status.lastPoll?.requests ?? 0);
      recordHealth(status);
      if (error) {
        metrics.pollFailures.inc({ endpoint: settlement.name, code: error.code });
        const next = settlement.nextRunAt !== undefined ? new Date(settlement.nextRunAt).toISOString() : undefined;
        logger.child({ endpoint: settlement.name }).warn({ err: error, consecutiveFailures: settlement.consecutiveFailures, nextPollAt: next }, `poll failed: ${error.message}`);
      }
    },
    rejudge(endpoint) {
      const status = statuses.get(endpoint);
      if (status) recordHealth(status);
    },
    forget(endpoint) {
      statuses.delete(endpoint);
      pollRequests.delete(endpoint);
      options.health?.forget(endpoint);
      metrics.deletionsHeld.remove({ endpoint });
      metrics.consecutiveFailures.remove({ endpoint });
      for (const state of healthStates) metrics.endpointHealth.remove({ endpoint, state });
    },
  };
}

/** What a settled poll makes of the endpoint's previous status: its counts, its error or success, the guard's hold. */
function settledStatus(previous: EndpointStatus, poll: { settlement: PollSettlement; counted: { requests: number; throttles: number }; held: VanishingVerdict | undefined; report?: PollReport }): EndpointStatus {
  const { settlement, counted, held, report } = poll;
  const error: BridgeError | undefined = settlement.error;
  const { deletionsHeld: _previouslyHeld, ...carried } = previous;
  return {
    ...carried,
    ...(held ? { deletionsHeld: held } : {}),
    consecutiveFailures: settlement.consecutiveFailures,
    lastPoll: { ...counted, finishedAt: settlement.finishedAt },
    ...(settlement.nextRunAt !== undefined ? { nextPollAt: settlement.nextRunAt } : {}),
    ...(error ? { lastError: { code: error.code, message: error.message, at: settlement.finishedAt } } : { lastSuccessAt: settlement.finishedAt, ...(report ? { lastReport: report, ...(report.kind === 'full' ? { instanceCounts: report.countsByStatus } : {}) } : {}) }),
  };
}
