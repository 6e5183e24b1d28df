/** A multiple of an endpoint's interval after which a missing success makes the bridge not ready. */
export const staleAfterIntervals = 3;

/** One endpoint as readiness sees it. */
export interface EndpointFreshness {
  readonly name: string;
  readonly intervalMs: number;
  readonly lastSuccessAt?: number;
  /** When polling of it began; the reference until its first success. */
  readonly since: number;
}

export interface ReadinessInput {
  readonly cache: { readonly ok: boolean; readonly reason?: string };
  readonly broker: { readonly ok: boolean; readonly reason?: string };
  readonly endpoints: readonly EndpointFreshness[];
  readonly now: number;
}

/** One named check; `reason` says what is wrong when it failed. */
export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

/**
 * Ready when Redis answers, NATS is connected, and every endpoint succeeded
 * within {@link staleAfterIntervals} of its interval (counted from when its
 * polling began, until its first success). One slow platform therefore takes
 * the bridge out of rotation only after several missed polls, not at once.
 */
export function evaluateReadiness(input: ReadinessInput): Readiness {
  const checks: ReadinessCheck[] = [
    { name: 'redis', ok: input.cache.ok, ...(input.cache.ok ? {} : { reason: input.cache.reason ?? 'not reachable' }) },
    { name: 'nats', ok: input.broker.ok, ...(input.broker.ok ? {} : { reason: input.broker.reason ?? 'not connected' }) },
  ];
  for (const endpoint of input.endpoints) {
    const reference = endpoint.lastSuccessAt ?? endpoint.since;
    const limitMs = staleAfterIntervals * endpoint.intervalMs;
    const ageMs = input.now - reference;
    const ok = ageMs <= limitMs;
    const what = endpoint.lastSuccessAt === undefined ? 'no successful poll' : 'last successful poll';
    checks.push({ name: `endpoint ${endpoint.name}`, ok, ...(ok ? {} : { reason: `${what} for ${Math.round(ageMs / 1000)} s (limit ${limitMs / 1000} s, ${staleAfterIntervals}× its interval)` }) });
  }
  return { ready: checks.every((check) => check.ok), checks };
}
