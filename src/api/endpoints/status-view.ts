import type { EndpointOwner, EndpointStatus } from '../../bridge/index.js';
import { judgeEndpointHealth } from '../../health/index.js';

const time = (epochMs: number | undefined): string | undefined => (epochMs === undefined ? undefined : new Date(epochMs).toISOString());

/**
 * The `/endpoints/{id}/status` resource: three-state health with its reason,
 * the last success and error (error messages are secret-free by the error
 * contract), instance counts of the last successful full list, and the
 * kind, platform requests and throttling answers of the last poll; with
 * several replicas, the one that owns the endpoint now (`owner`); for an
 * endpoint with maintenance windows, whether one is open, its end, the next
 * start and the deletions held (`maintenance`).
 */
export function endpointStatusResource(id: string, status: EndpointStatus | undefined, owner?: EndpointOwner): Record<string, unknown> {
  const history = status ?? { consecutiveFailures: 0 };
  const verdict = judgeEndpointHealth(history);
  const counts = status?.instanceCounts ?? {};
  return {
    id,
    path: `endpoints/${id}/status`,
    health: verdict.state,
    reason: verdict.reason,
    consecutive_failures: history.consecutiveFailures,
    ...(status?.lastSuccessAt !== undefined ? { last_success_time: time(status.lastSuccessAt) } : {}),
    ...(status?.nextPollAt !== undefined ? { next_poll_time: time(status.nextPollAt) } : {}),
    ...(status?.lastError ? { last_error: { code: status.lastError.code, message: status.lastError.message, time: time(status.lastError.at) } } : {}),
    instance_counts: { ...counts },
    ...(status?.deletionsHeld ? { deletions_held: { known: status.deletionsHeld.known, vanished: status.deletionsHeld.vanished, reason: status.deletionsHeld.reason } } : {}),
    ...(status?.lastPoll ? { last_poll: { finish_time: time(status.lastPoll.finishedAt), ...(status.lastReport && status.lastSuccessAt === status.lastPoll.finishedAt ? { kind: status.lastReport.kind } : {}), requests: status.lastPoll.requests, throttles: status.lastPoll.throttles, rate_limit_wait_seconds: status.lastPoll.rateLimitWaitMs / 1000 } } : {}),
    ...(status?.maintenance ? { maintenance: maintenanceBlock(status.maintenance) } : {}),
    ...(owner ? { owner: { replica: owner.replica, ...(owner.leaseAgeSeconds !== undefined ? { lease_age_seconds: Math.round(owner.leaseAgeSeconds * 1000) / 1000 } : {}), token: owner.token } } : {}),
  };
}

function maintenanceBlock(maintenance: NonNullable<EndpointStatus['maintenance']>): Record<string, unknown> {
  return {
    active: maintenance.active,
    ...(maintenance.active && maintenance.endsAt !== undefined ? { window_end_time: time(maintenance.endsAt) } : {}),
    ...(maintenance.nextStartAt !== undefined ? { next_start_time: time(maintenance.nextStartAt) } : {}),
    pause_polling: maintenance.pausePolling,
    held_deletions: maintenance.heldDeletions,
  };
}
