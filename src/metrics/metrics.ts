import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';

const require = createRequire(import.meta.url);

/**
 * prom-client's four classes the bridge uses, each from its own module:
 * the package's index also loads its push gateway, default collectors and
 * cluster aggregator (node:cluster, child_process), none of which the bridge
 * uses, for about 17 MB of memory and 50 ms of CPU at start-up (#12). They
 * are the index's very classes (tested), so nothing else changes.
 */
export const promClientClasses = {
  Counter: require('prom-client/lib/counter') as typeof Counter,
  Gauge: require('prom-client/lib/gauge') as typeof Gauge,
  Histogram: require('prom-client/lib/histogram') as typeof Histogram,
  Registry: require('prom-client/lib/registry') as typeof Registry,
};
const { Counter: CounterMetric, Gauge: GaugeMetric, Histogram: HistogramMetric, Registry: MetricRegistry } = promClientClasses;

/**
 * The bridge's Prometheus metrics, on a registry of its own (never prom-client's
 * global one) so several bridges in one process (tests) do not collide.
 * Labels carry endpoint names, statuses and HTTP codes only; never a URL with
 * credentials or a secret.
 */
export interface BridgeMetrics {
  readonly registry: Registry;
  readonly pollDuration: Histogram<'endpoint' | 'outcome'>;
  readonly polls: Counter<'endpoint' | 'kind'>;
  readonly pollRequests: Histogram<'endpoint' | 'kind'>;
  readonly cursorResets: Counter<'endpoint' | 'reason'>;
  readonly lastSuccess: Gauge<'endpoint'>;
  readonly instances: Gauge<'endpoint' | 'status'>;
  readonly eventsPublished: Counter<'endpoint' | 'status' | 'kind'>;
  readonly publishFailures: Counter<'endpoint'>;
  readonly platformRequests: Counter<'endpoint' | 'code'>;
  readonly throttles: Counter<'endpoint'>;
  readonly unknownRawStates: Counter<'endpoint' | 'platform' | 'raw_state'>;
  readonly invalidInstanceIds: Counter<'endpoint'>;
  readonly debounced: Counter<'endpoint'>;
  readonly absenceChecks: Counter<'endpoint' | 'verdict'>;
  readonly deletionsHeld: Gauge<'endpoint'>;
  readonly cacheLatency: Histogram<'operation'>;
  /** 1 for the endpoint's current three-state health, 0 for the other two. */
  readonly endpointHealth: Gauge<'endpoint' | 'state'>;
  readonly consecutiveFailures: Gauge<'endpoint'>;
  readonly apiRequests: Counter<'method' | 'route' | 'code'>;
  readonly dcmRegistrations: Counter<'outcome'>;
  /** Endpoints this replica owns and holds the lease of (cluster mode only). */
  readonly ownedEndpoints: Gauge<'replica'>;
  /** Live replicas in the membership set at this replica's last heartbeat (cluster mode only). */
  readonly clusterMembers: Gauge;
}

/** Creates the metric set on a fresh registry. */
export function createMetrics(): BridgeMetrics {
  const registry = new MetricRegistry();
  const registers = [registry];
  return {
    registry,
    pollDuration: new HistogramMetric({ name: 'dcm_bridge_poll_duration_seconds', help: 'Duration of endpoint polls (list, diff, publish, commit).', labelNames: ['endpoint', 'outcome'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers }),
    polls: new CounterMetric({ name: 'dcm_bridge_polls_total', help: 'Successful polls by listing kind: full (every managed instance) or incremental (only what changed since the cursor).', labelNames: ['endpoint', 'kind'], registers }),
    pollRequests: new HistogramMetric({ name: 'dcm_bridge_poll_platform_requests', help: 'Platform HTTP requests per successful poll, by listing kind.', labelNames: ['endpoint', 'kind'], buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000], registers }),
    cursorResets: new CounterMetric({ name: 'dcm_bridge_cursor_resets_total', help: 'Stored listing cursors set aside for a full list, by reason: unreadable, epoch (another cache epoch), scope (the endpoint changed), rejected (the platform refused it).', labelNames: ['endpoint', 'reason'], registers }),
    lastSuccess: new GaugeMetric({ name: 'dcm_bridge_last_success_timestamp_seconds', help: 'Unix time of the last successful poll per endpoint.', labelNames: ['endpoint'], registers }),
    instances: new GaugeMetric({ name: 'dcm_bridge_instances', help: 'Managed instances seen in the last complete list, by status.', labelNames: ['endpoint', 'status'], registers }),
    eventsPublished: new CounterMetric({ name: 'dcm_bridge_events_published_total', help: 'Events acknowledged by the broker.', labelNames: ['endpoint', 'status', 'kind'], registers }),
    publishFailures: new CounterMetric({ name: 'dcm_bridge_publish_failures_total', help: 'Events the broker did not acknowledge.', labelNames: ['endpoint'], registers }),
    platformRequests: new CounterMetric({ name: 'dcm_bridge_platform_requests_total', help: 'HTTP requests to platforms by status code.', labelNames: ['endpoint', 'code'], registers }),
    throttles: new CounterMetric({ name: 'dcm_bridge_throttles_total', help: 'Platform throttling answers (429, RequestLimitExceeded, overLimit).', labelNames: ['endpoint'], registers }),
    unknownRawStates: new CounterMetric({ name: 'dcm_bridge_unknown_raw_states_total', help: 'Instances whose raw state no table entry knows (reported FAILED).', labelNames: ['endpoint', 'platform', 'raw_state'], registers }),
    invalidInstanceIds: new CounterMetric({ name: 'dcm_bridge_invalid_instance_ids_total', help: 'Instances not published because of their DCM id: not a DNS label, or carried by another instance that owns it.', labelNames: ['endpoint'], registers }),
    absenceChecks: new CounterMetric({ name: 'dcm_bridge_absence_checks_total', help: 'Instances missing from a complete list that the platform was asked about, by its verdict (gone, present, unmanaged, unknown).', labelNames: ['endpoint', 'verdict'], registers }),
    deletionsHeld: new GaugeMetric({ name: 'dcm_bridge_deletions_held', help: 'Vanished instances whose deletion the mass-deletion guard holds (0 = not holding).', labelNames: ['endpoint'], registers }),
    debounced: new CounterMetric({ name: 'dcm_bridge_debounced_total', help: 'Status changes held back by the debounce window.', labelNames: ['endpoint'], registers }),
    cacheLatency: new HistogramMetric({ name: 'dcm_bridge_cache_operation_seconds', help: 'State cache operation latency.', labelNames: ['operation'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers }),
    endpointHealth: new GaugeMetric({ name: 'dcm_bridge_endpoint_health', help: 'Endpoint health in the three-state model (1 = the current state).', labelNames: ['endpoint', 'state'], registers }),
    consecutiveFailures: new GaugeMetric({ name: 'dcm_bridge_endpoint_consecutive_failures', help: 'Failed polls in a row per endpoint.', labelNames: ['endpoint'], registers }),
    apiRequests: new CounterMetric({ name: 'dcm_bridge_api_requests_total', help: 'HTTP API requests by route and status code.', labelNames: ['method', 'route', 'code'], registers }),
    ownedEndpoints: new GaugeMetric({ name: 'dcm_bridge_owned_endpoints', help: 'Endpoints this replica polls: it is their rendezvous owner and holds their lease (cluster mode).', labelNames: ['replica'], registers }),
    clusterMembers: new GaugeMetric({ name: 'dcm_bridge_cluster_members', help: 'Live replicas in the membership set at the last heartbeat (cluster mode).', registers }),
    dcmRegistrations: new CounterMetric({ name: 'dcm_bridge_dcm_registrations_total', help: 'Registration attempts with DCM by outcome (accepted, rejected, failed).', labelNames: ['outcome'], registers }),
  };
}
