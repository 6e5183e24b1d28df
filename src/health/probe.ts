import type { EndpointStatus } from '../bridge/index.js';
import type { StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import type { EndpointConfig } from '../config/index.js';
import type { EventPublisher } from '../publisher/index.js';
import { evaluateReadiness, type Readiness } from './readiness.js';

export interface HealthProbeOptions {
  readonly cache: Pick<StateCache, 'ping'>;
  readonly publisher: Pick<EventPublisher, 'isConnected'>;
  readonly endpoints: () => readonly EndpointConfig[];
  readonly statusOf: (endpoint: string) => EndpointStatus | undefined;
  readonly clock: Clock;
  /** How long Redis may take to answer a probe's ping (default 1000 ms). */
  readonly pingTimeoutMs?: number;
}

/** Gathers what readiness is judged from: a Redis ping, the NATS link, each endpoint's last success. */
export interface HealthProbe {
  readiness(): Promise<Readiness>;
}

export function createHealthProbe(options: HealthProbeOptions): HealthProbe {
  const timeoutMs = options.pingTimeoutMs ?? 1000;
  const pingCache = async (): Promise<{ ok: boolean; reason?: string }> => {
    const abort = new AbortController();
    const timeout = options.clock.sleep(timeoutMs, abort.signal).then(() => ({ ok: false, reason: `no answer within ${timeoutMs} ms` }));
    const ping = options.cache.ping().then(
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
  return {
    async readiness() {
      const cache = await pingCache();
      const now = options.clock.now();
      const endpoints = options.endpoints().map((endpoint) => {
        const status = options.statusOf(endpoint.name);
        return { name: endpoint.name, intervalMs: endpoint.intervalSeconds * 1000, since: status?.since ?? now, ...(status?.lastSuccessAt !== undefined ? { lastSuccessAt: status.lastSuccessAt } : {}) };
      });
      return evaluateReadiness({ cache, broker: { ok: options.publisher.isConnected() }, endpoints, now });
    },
  };
}
