import type { EndpointStatus } from '../bridge/index.js';
import type { StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import type { EndpointConfig } from '../config/index.js';
import type { EventPublisher } from '../publisher/index.js';
import { judgeEndpointHealth, type HealthState } from './endpoint-health.js';
import { evaluateFreshness, evaluateReadiness, type DependencyState, type Readiness } from './readiness.js';

export interface HealthProbeOptions {
  /** The Redis cache to ping; absent for an in-memory cache, which readiness then does not check. */
  readonly cache?: Pick<StateCache, 'ping'>;
  /** The NATS publisher whose connection readiness checks; absent for the stdout publisher. */
  readonly publisher?: Pick<EventPublisher, 'isConnected'>;
  readonly endpoints: () => readonly EndpointConfig[];
  readonly statusOf: (endpoint: string) => EndpointStatus | undefined;
  readonly clock: Clock;
  /** How long Redis may take to answer a probe's ping (default 1000 ms). */
  readonly pingTimeoutMs?: number;
}

/** One endpoint in the provider's health: its three-state verdict and whether it succeeded recently enough. */
export interface EndpointHealthSummary {
  readonly name: string;
  readonly state: HealthState;
  readonly reason: string;
  /** False once it went `staleAfterIntervals` (3) intervals without a success, outside a maintenance window. */
  readonly fresh: boolean;
}

/** The provider's health: the process's readiness, and each endpoint's. */
export interface ProviderHealth {
  /** Ready and every endpoint fresh: DCM's `healthy`. */
  readonly healthy: boolean;
  readonly readiness: Readiness;
  readonly endpoints: readonly EndpointHealthSummary[];
}

/** Gathers what readiness (the process's connections) and health (those and every endpoint) are judged from. */
export interface HealthProbe {
  readiness(): Promise<Readiness>;
  health(): Promise<ProviderHealth>;
}

export function createHealthProbe(options: HealthProbeOptions): HealthProbe {
  const timeoutMs = options.pingTimeoutMs ?? 1000;
  const pingCache = async (cache: Pick<StateCache, 'ping'>): Promise<DependencyState> => {
    const abort = new AbortController();
    const timeout = options.clock.sleep(timeoutMs, abort.signal).then(() => ({ ok: false, reason: `no answer within ${timeoutMs} ms` }));
    const ping = cache.ping().then(
      () => ({ ok: true }),
      (error: unknown) => ({ ok: false, reason: error instanceof Error ? error.message : 'ping failed' }),
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      abort.abort();
      timeout.catch(() => undefined);
    }
  };
  const readiness = async (): Promise<Readiness> =>
    evaluateReadiness({
      ...(options.cache ? { cache: await pingCache(options.cache) } : {}),
      ...(options.publisher ? { broker: { ok: options.publisher.isConnected() } } : {}),
    });
  return {
    readiness,
    async health() {
      const ready = await readiness();
      const now = options.clock.now();
      const endpoints = options.endpoints().map((endpoint) => {
        const status = options.statusOf(endpoint.name);
        const [freshness] = evaluateFreshness([{ name: endpoint.name, intervalMs: endpoint.intervalSeconds * 1000, since: status?.since ?? now, ...(status?.lastSuccessAt !== undefined ? { lastSuccessAt: status.lastSuccessAt } : {}) }], now);
        const verdict = judgeEndpointHealth(status ?? { consecutiveFailures: 0 });
        // An open maintenance window excuses missed polls (a paused endpoint has none): it does not make the provider unhealthy.
        const inMaintenance = (verdict.state as string) === 'maintenance';
        return { name: endpoint.name, state: verdict.state, reason: verdict.reason, fresh: inMaintenance || (freshness?.ok ?? true) };
      });
      return { healthy: ready.ready && endpoints.every((endpoint) => endpoint.fresh), readiness: ready, endpoints };
    },
  };
}
