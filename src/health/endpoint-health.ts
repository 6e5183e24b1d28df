/**
 * DCM's three-state health model, applied to one polled endpoint, plus
 * `maintenance`: one of the endpoint's maintenance windows is open, so its
 * failures say nothing alarming (README "Maintenance windows").
 */
export type HealthState = 'healthy' | 'unhealthy' | 'unavailable' | 'maintenance';

export const healthStates: readonly HealthState[] = ['healthy', 'unhealthy', 'unavailable', 'maintenance'];

/** Failed polls in a row after which an endpoint is `unavailable` rather than `unhealthy`. */
export const unavailableAfterFailures = 3;

/** What the health of an endpoint is judged from (a subset of the bridge's endpoint status). */
export interface PollHistory {
  readonly consecutiveFailures: number;
  readonly lastSuccessAt?: number;
  readonly lastError?: { readonly message: string };
  /** Set while the mass-deletion guard holds the endpoint's deletions. */
  readonly deletionsHeld?: { readonly reason: string };
  /** The endpoint's maintenance windows, when it has any. */
  readonly maintenance?: { readonly active: boolean; readonly endsAt?: number };
}

/** A health state and the sentence that explains it. */
export interface HealthVerdict {
  readonly state: HealthState;
  readonly reason: string;
}

/**
 * `healthy` when the last poll succeeded; `unhealthy` after one or two
 * failed polls in a row, and before the first poll settled (nothing is known
 * to be working yet); `unavailable` from {@link unavailableAfterFailures}
 * failures in a row on. An endpoint whose polls succeed but whose deletions
 * the mass-deletion guard holds is degraded: `unhealthy`, saying why.
 * While a maintenance window is open the state is `maintenance` whatever
 * the polls do (never `unhealthy` or `unavailable`), and the reason says
 * when it ends and how the last poll went.
 */
export function judgeEndpointHealth(history: PollHistory): HealthVerdict {
  const failures = history.consecutiveFailures;
  const lastError = history.lastError?.message ?? 'unknown error';
  if (history.maintenance?.active) {
    const until = history.maintenance.endsAt !== undefined ? ` until ${new Date(history.maintenance.endsAt).toISOString()}` : '';
    const lastPoll = failures > 0 ? `${failures} poll(s) failed in a row; last: ${lastError}` : history.lastSuccessAt === undefined ? 'not polled yet' : 'the last poll succeeded';
    return { state: 'maintenance', reason: `in a maintenance window${until}; ${lastPoll}` };
  }
  if (failures >= unavailableAfterFailures) return { state: 'unavailable', reason: `${failures} consecutive polls failed; last: ${lastError}` };
  if (failures > 0) return { state: 'unhealthy', reason: `the last poll failed: ${lastError}` };
  if (history.lastSuccessAt === undefined) return { state: 'unhealthy', reason: 'not polled yet' };
  if (history.deletionsHeld) return { state: 'unhealthy', reason: `degraded: ${history.deletionsHeld.reason}` };
  return { state: 'healthy', reason: 'the last poll succeeded' };
}
