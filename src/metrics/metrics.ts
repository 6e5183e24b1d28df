import { createRequire } from 'node:module';
import type { collectDefaultMetrics as CollectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

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
  /** Seconds during which at least one of the endpoint's platform requests waited for the account's request budget (`rateLimits.<platform>`). */
  readonly rateLimitWait: Counter<'endpoint'>;
  readonly unknownRawStates: Counter<'endpoint' | 'platform' | 'raw_state'>;
  readonly invalidInstanceIds: Counter<'endpoint'>;
  readonly debounced: Counter<'endpoint'>;
  readonly absenceChecks: Counter<'endpoint' | 'verdict'>;
  readonly deletionsHeld: Gauge<'endpoint'>;
  readonly cacheLatency: Histogram<'operation'>;
  /** 1 for the endpoint's current three-state health, 0 for the other two. */
  readonly endpointHealth: Gauge<'endpoint' | 'state'>;
  readonly consecutiveFailures: Gauge<'endpoint'>;
  /** 1 while one of the endpoint's maintenance windows is open, else 0: alert rules leave such endpoints out. */
  readonly inMaintenance: Gauge<'endpoint'>;
  /** Instances whose deletion a maintenance window held and no poll since judged again. */
  readonly maintenanceHeldDeletions: Gauge<'endpoint'>;
  /** Unix time of the next start of one of the endpoint's maintenance windows (endpoints with windows only). */
  readonly maintenanceNextStart: Gauge<'endpoint'>;
  readonly apiRequests: Counter<'method' | 'route' | 'code'>;
  readonly dcmRegistrations: Counter<'outcome'>;
  /** Endpoints this replica owns and holds the lease of (cluster mode only). */
  readonly ownedEndpoints: Gauge<'replica'>;
  /** Live replicas in the membership set at this replica's last heartbeat (cluster mode only). */
  readonly clusterMembers: Gauge;
  /** Failed polls by the error's stable code (`CACHE_FAILED` is Redis, `PUBLISH_FAILED` the broker, `PLATFORM_*` the platform). */
  readonly pollFailures: Counter<'endpoint' | 'code'>;
  /** Failed state-cache operations (Redis errors, and writes refused for a lost lease), by operation. */
  readonly cacheErrors: Counter<'operation'>;
  /** 1, labelled with what the running code was built from; absent unless {@link MetricsOptions.build} is given. */
  readonly buildInfo: Gauge<'version' | 'commit' | 'node'>;
  /**
   * Records one state-cache operation: its latency and, when it failed, an
   * error. The cache names operations in words (`read index`); the label is
   * {@link labelValue} of that name (`read_index`).
   */
  observeCacheOperation(operation: string, seconds: number, ok: boolean): void;
  /** Each polled endpoint's interval, labelled with its platform (dashboards choose endpoints by platform through it). */
  readonly endpointInterval: Gauge<'endpoint' | 'platform'>;
  /** An endpoint this bridge now polls: sets its {@link endpointInterval}. */
  trackEndpoint(endpoint: { readonly name: string; readonly platform: string; readonly intervalSeconds: number }): void;
  /**
   * An endpoint this bridge no longer polls (removed, replaced, or its lease
   * given up): drops its interval and last-success series. Left behind, the
   * last success would age on this replica as if the endpoint had stopped
   * succeeding, and the staleness alert would fire for an endpoint that is
   * gone or polled elsewhere.
   */
  untrackEndpoint(name: string): void;
}

/** What the running code was built from, as `dcm_bridge_build_info` labels it. */
export interface MetricsBuild {
  readonly version: string;
  /** Absent when the build recorded none; labelled `unknown`. */
  readonly commit?: string;
  /** The Node.js version running the bridge (`24.1.0`). */
  readonly node: string;
}

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * Adds prom-client's default metrics (process CPU, memory, file
   * descriptors, event loop lag, GC, `nodejs_version_info`) to the registry.
   * They describe the whole process and each adds a sampler that runs for
   * the process's life, so only the process's own bridge (the CLI) asks.
   */
  readonly runtime?: boolean;
  /** Sets `dcm_bridge_build_info` to 1 with these labels. */
  readonly build?: MetricsBuild;
}

/**
 * A label value without whitespace: every run of whitespace becomes one `_`.
 * Dashboards and alert rules match label values with regexes and
 * `label_replace`, and a value with spaces breaks copy-pasted PromQL, so every
 * label value the bridge takes from free text (a platform's raw state, an
 * operation's name) goes through this.
 */
export function labelValue(text: string): string {
  return text.trim().replace(/\s+/g, '_');
}

/** Creates the metric set on a fresh registry. */
export function createMetrics(options: MetricsOptions = {}): BridgeMetrics {
  const registry = new MetricRegistry();
  const registers = [registry];
  if (options.runtime) {
    // Loaded only here: most bridges in one process (tests) never ask, and the CLI asks once.
    const collectDefaultMetrics = require('prom-client/lib/defaultMetrics') as typeof CollectDefaultMetrics;
    collectDefaultMetrics({ register: registry });
  }
  const cacheLatency = new HistogramMetric({ name: 'dcm_bridge_cache_operation_seconds', help: 'State cache operation latency.', labelNames: ['operation'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers });
  const cacheErrors = new CounterMetric({ name: 'dcm_bridge_cache_errors_total', help: 'Failed state cache operations (Redis errors; in cluster mode also writes refused for a lost lease), by operation.', labelNames: ['operation'], registers });
  const buildInfo = new GaugeMetric({ name: 'dcm_bridge_build_info', help: 'Always 1; labelled with the bridge version, the git commit it was built from (unknown when not recorded) and the Node.js version.', labelNames: ['version', 'commit', 'node'], registers });
  if (options.build) buildInfo.set({ version: labelValue(options.build.version), commit: options.build.commit ?? 'unknown', node: labelValue(options.build.node) }, 1);
  const endpointInterval = new GaugeMetric({ name: 'dcm_bridge_endpoint_interval_seconds', help: 'Configured poll interval of each endpoint this bridge polls, labelled with its platform.', labelNames: ['endpoint', 'platform'], registers });
  const lastSuccess = new GaugeMetric({ name: 'dcm_bridge_last_success_timestamp_seconds', help: 'Unix time of the last successful poll per endpoint.', labelNames: ['endpoint'], registers });
  /** The platform each tracked endpoint's interval series is labelled with, to remove exactly that series. */
  const trackedPlatforms = new Map<string, string>();
  return {
    registry,
    lastSuccess,
    endpointInterval,
    trackEndpoint(endpoint) {
      const previous = trackedPlatforms.get(endpoint.name);
      if (previous !== undefined && previous !== endpoint.platform) endpointInterval.remove({ endpoint: endpoint.name, platform: previous });
      trackedPlatforms.set(endpoint.name, endpoint.platform);
      endpointInterval.set({ endpoint: endpoint.name, platform: endpoint.platform }, endpoint.intervalSeconds);
    },
    untrackEndpoint(name) {
      const platform = trackedPlatforms.get(name);
      trackedPlatforms.delete(name);
      if (platform !== undefined) endpointInterval.remove({ endpoint: name, platform });
      lastSuccess.remove({ endpoint: name });
    },
    cacheErrors,
    buildInfo,
    observeCacheOperation(operation, seconds, ok) {
      const label = labelValue(operation);
      cacheLatency.observe({ operation: label }, seconds);
      if (!ok) cacheErrors.inc({ operation: label });
    },
    pollFailures: new CounterMetric({ name: 'dcm_bridge_poll_failures_total', help: 'Failed polls by error code (CACHE_FAILED: Redis, PUBLISH_FAILED: the broker, PLATFORM_*: the platform, LEASE_LOST: another replica took over).', labelNames: ['endpoint', 'code'], registers }),
    pollDuration: new HistogramMetric({ name: 'dcm_bridge_poll_duration_seconds', help: 'Duration of endpoint polls (list, diff, publish, commit).', labelNames: ['endpoint', 'outcome'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers }),
    polls: new CounterMetric({ name: 'dcm_bridge_polls_total', help: 'Successful polls by listing kind: full (every managed instance) or incremental (only what changed since the cursor).', labelNames: ['endpoint', 'kind'], registers }),
    pollRequests: new HistogramMetric({ name: 'dcm_bridge_poll_platform_requests', help: 'Platform HTTP requests per successful poll, by listing kind.', labelNames: ['endpoint', 'kind'], buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000], registers }),
    cursorResets: new CounterMetric({ name: 'dcm_bridge_cursor_resets_total', help: 'Stored listing cursors set aside for a full list, by reason: unreadable, epoch (another cache epoch), scope (the endpoint changed), rejected (the platform refused it).', labelNames: ['endpoint', 'reason'], registers }),
    instances: new GaugeMetric({ name: 'dcm_bridge_instances', help: 'Managed instances seen in the last complete list, by status.', labelNames: ['endpoint', 'status'], registers }),
    eventsPublished: new CounterMetric({ name: 'dcm_bridge_events_published_total', help: 'Events acknowledged by the broker.', labelNames: ['endpoint', 'status', 'kind'], registers }),
    publishFailures: new CounterMetric({ name: 'dcm_bridge_publish_failures_total', help: 'Events the broker did not acknowledge.', labelNames: ['endpoint'], registers }),
    platformRequests: new CounterMetric({ name: 'dcm_bridge_platform_requests_total', help: 'HTTP requests to platforms by status code.', labelNames: ['endpoint', 'code'], registers }),
    throttles: new CounterMetric({ name: 'dcm_bridge_throttles_total', help: 'Platform throttling answers (429, RequestLimitExceeded, overLimit).', labelNames: ['endpoint'], registers }),
    rateLimitWait: new CounterMetric({ name: 'dcm_bridge_rate_limit_wait_seconds_total', help: "Time during which at least one of the endpoint's platform requests waited for the account's shared request budget (rateLimits.<platform>), in seconds.", labelNames: ['endpoint'], registers }),
    unknownRawStates: new CounterMetric({ name: 'dcm_bridge_unknown_raw_states_total', help: 'Instances whose raw state no table entry knows (reported FAILED).', labelNames: ['endpoint', 'platform', 'raw_state'], registers }),
    invalidInstanceIds: new CounterMetric({ name: 'dcm_bridge_invalid_instance_ids_total', help: 'Instances not published because of their DCM id: not a DNS label, or carried by another instance that owns it.', labelNames: ['endpoint'], registers }),
    absenceChecks: new CounterMetric({ name: 'dcm_bridge_absence_checks_total', help: 'Instances missing from a complete list that the platform was asked about, by its verdict (gone, present, unmanaged, unknown).', labelNames: ['endpoint', 'verdict'], registers }),
    deletionsHeld: new GaugeMetric({ name: 'dcm_bridge_deletions_held', help: 'Vanished instances whose deletion the mass-deletion guard holds (0 = not holding).', labelNames: ['endpoint'], registers }),
    debounced: new CounterMetric({ name: 'dcm_bridge_debounced_total', help: 'Status changes held back by the debounce window.', labelNames: ['endpoint'], registers }),
    cacheLatency,
    endpointHealth: new GaugeMetric({ name: 'dcm_bridge_endpoint_health', help: 'Endpoint health in the three-state model (1 = the current state).', labelNames: ['endpoint', 'state'], registers }),
    consecutiveFailures: new GaugeMetric({ name: 'dcm_bridge_endpoint_consecutive_failures', help: 'Failed polls in a row per endpoint.', labelNames: ['endpoint'], registers }),
    inMaintenance: new GaugeMetric({ name: 'dcm_bridge_endpoint_in_maintenance', help: '1 while one of the endpoint\'s maintenance windows is open (its failures are expected; alert rules exclude it), else 0.', labelNames: ['endpoint'], registers }),
    maintenanceHeldDeletions: new GaugeMetric({ name: 'dcm_bridge_maintenance_held_deletions', help: 'Instances whose deletion a maintenance window held (vanished while it was open) that no poll after it has judged again.', labelNames: ['endpoint'], registers }),
    maintenanceNextStart: new GaugeMetric({ name: 'dcm_bridge_maintenance_next_start_timestamp_seconds', help: 'Unix time of the next start of one of the endpoint\'s maintenance windows.', labelNames: ['endpoint'], registers }),
    apiRequests: new CounterMetric({ name: 'dcm_bridge_api_requests_total', help: 'HTTP API requests by route and status code.', labelNames: ['method', 'route', 'code'], registers }),
    ownedEndpoints: new GaugeMetric({ name: 'dcm_bridge_owned_endpoints', help: 'Endpoints this replica polls: it is their rendezvous owner and holds their lease (cluster mode).', labelNames: ['replica'], registers }),
    clusterMembers: new GaugeMetric({ name: 'dcm_bridge_cluster_members', help: 'Live replicas in the membership set at the last heartbeat (cluster mode).', registers }),
    dcmRegistrations: new CounterMetric({ name: 'dcm_bridge_dcm_registrations_total', help: 'Registration attempts with DCM by outcome (accepted, rejected, failed).', labelNames: ['outcome'], registers }),
  };
}
