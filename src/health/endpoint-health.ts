/** DCM's three-state health model, applied to one polled endpoint. */
export type HealthState = 'healthy' | 'unhealthy' | 'unavailable';

export const healthStates: readonly HealthState[] = ['healthy', 'unhealthy', 'unavailable'];

/** Failed polls in a row after which an endpoint is `unavailable` rather than `unhealthy`. */
export const unavailableAfterFailures = 3;

/** What the health of an endpoint is judged from (a subset of the bridge's endpoint status). */
export interface PollHistory {
  readonly consecutiveFailures: number;
  readonly lastSuccessAt?: number;
  readonly lastError?: { readonly message: string };
  /** Set while the mass-deletion guard holds the endpoint's deletions. */
  readonly deletionsHeld?: { readonly reason: string };
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
 */
export function judgeEndpointHealth(history: PollHistory): HealthVerdict {
  const failures = history.consecutiveFailures;
  const lastError = history.lastError?.message ?? 'unknown error';
  if (failures >= unavailableAfterFailures) return { state: 'unavailable', reason: `${failures} consecutive polls failed; last: ${lastError}` };
  if (failures > 0) return { state: 'unhealthy', reason: `the last poll failed: ${lastError}` };
  if (history.lastSuccessAt === undefined) return { state: 'unhealthy', reason: 'not polled yet' };
  if (history.deletionsHeld) return { state: 'unhealthy', reason: `degraded: ${history.deletionsHeld.reason}` };
  return { state: 'healthy', reason: 'the last poll succeeded' };
}
