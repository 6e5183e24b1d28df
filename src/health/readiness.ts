/** A multiple of an endpoint's interval after which a missing success makes the provider's health `unhealthy`. */
export const staleAfterIntervals = 3;

/** One endpoint as the provider health sees it. */
export interface EndpointFreshness {
  readonly name: string;
  readonly intervalMs: number;
  readonly lastSuccessAt?: number;
  /** When polling of it began; the reference until its first success. */
  readonly since: number;
}

/** The state of one connection the process needs; `reason` says what is wrong when it is down. */
export interface DependencyState {
  readonly ok: boolean;
  readonly reason?: string;
}

/**
 * What readiness is judged from: the connections this process needs to do its job. Each is absent when the
 * configuration does not use it (no `cache.url`: an in-memory cache; the stdout publisher), and is then not checked.
 */
export interface ReadinessInput {
  readonly cache?: DependencyState;
  readonly broker?: DependencyState;
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
 * Ready when Redis answers (if the cache is Redis) and the broker is connected (if the publisher is NATS); with
 * neither, always ready. Platforms are never part of it: one dead vCenter must not take the bridge out of its
 * Kubernetes Service, which would stop every other endpoint's API and metrics too. Their health is in
 * {@link evaluateFreshness}, `/health`, the endpoint status and the metrics.
 */
export function evaluateReadiness(input: ReadinessInput): Readiness {
  const checks: ReadinessCheck[] = [];
  if (input.cache) checks.push({ name: 'redis', ok: input.cache.ok, ...(input.cache.ok ? {} : { reason: input.cache.reason ?? 'not reachable' }) });
  if (input.broker) checks.push({ name: 'nats', ok: input.broker.ok, ...(input.broker.ok ? {} : { reason: input.broker.reason ?? 'not connected' }) });
  return { ready: checks.every((check) => check.ok), checks };
}

/**
 * Whether each endpoint succeeded within {@link staleAfterIntervals} of its interval (counted from when its
 * polling began, until its first success): one failed poll does not count against it, several missed intervals do.
 */
export function evaluateFreshness(endpoints: readonly EndpointFreshness[], now: number): ReadinessCheck[] {
  return endpoints.map((endpoint) => {
    const reference = endpoint.lastSuccessAt ?? endpoint.since;
    const limitMs = staleAfterIntervals * endpoint.intervalMs;
    const ageMs = now - reference;
    const ok = ageMs <= limitMs;
    const what = endpoint.lastSuccessAt === undefined ? 'no successful poll' : 'last successful poll';
    return { name: `endpoint ${endpoint.name}`, ok, ...(ok ? {} : { reason: `${what} for ${Math.round(ageMs / 1000)} s (limit ${limitMs / 1000} s, ${staleAfterIntervals}× its interval)` }) };
  });
}
