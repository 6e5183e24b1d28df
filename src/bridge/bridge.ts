import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { openStateCache, type Fence } from '../cache/index.js';
import { defaultReplicaId, leaseTableOf } from '../cluster/index.js';
import type { BridgeConfig, EndpointConfig } from '../config/index.js';
import { createDiffer } from '../diff/index.js';
import { createHealthAnnouncer } from '../health/index.js';
import { createMetrics, type BridgeMetrics } from '../metrics/index.js';
import { createNatsPublisher, createStdoutPublisher, type EventPublisher } from '../publisher/index.js';
import { createPlatformRateLimiter } from '../ratelimit/index.js';
import { createEndpointRegistry } from '../registry/index.js';
import { createClusterWiring, type ClusterWiring } from './cluster-wiring.js';
import type { BridgeContext } from './context.js';
import { createEndpointBook } from './endpoint-book.js';
import { createEndpointScheduling, type EndpointScheduling } from './endpoint-scheduling.js';
import { createMaintenanceWiring } from './maintenance-wiring.js';
import type { Bridge, BridgeDependencies, OnceResult } from './types.js';

export type { Bridge, BridgeDependencies, EndpointOwner, EndpointStatus, OnceResult } from './types.js';

/**
 * Opens the cache and the broker and wires the pipeline for every configured
 * endpoint: its record (status, health), its maintenance windows, its
 * schedule, and in cluster mode the coordinator that decides which replica
 * polls it.
 */
export async function createBridge(config: BridgeConfig, dependencies: BridgeDependencies): Promise<Bridge> {
  const context = await openBridgeContext(config, dependencies);
  const { clock, logger, metrics, publisher } = context;
  // stdout carries status events only (one per line, for the demo and pipes); health events need a broker subject.
  const health = publisher.guarantee === 'stdout' ? undefined : createHealthAnnouncer({ publisher, subject: config.health.subject, providerName: config.provider.name, clock, logger: logger.child({ component: 'health' }) });
  // The parts refer to each other through callbacks that run only once polling has begun, after all are built.
  const maintenance = createMaintenanceWiring({ clock, logger, metrics, onChange: (endpoint) => book.rejudge(endpoint) });
  const book = createEndpointBook({
    clock,
    logger,
    metrics,
    health,
    heldDeletionsOf: (endpoint) => scheduling.poller(endpoint)?.heldDeletions(),
    maintenanceOf: (endpoint) => maintenance.status(endpoint),
    onLeaseLost: () => cluster?.coordinator.recheck(),
  });
  const scheduling = createEndpointScheduling(context, { book, maintenance, leaseOf: (name) => cluster?.coordinator.fenceOf(name) ?? context.onceFences.get(name) });
  const { replicaId } = context;
  const cluster: ClusterWiring | undefined = replicaId === undefined ? undefined : createClusterWiring({ ...context, replicaId }, scheduling, listingChanged);
  return bridgeSurface(context, { book, scheduling, cluster, stopMaintenance: () => maintenance.stop() });
}

/** The cache, the rate limiter, the publisher and the differ every endpoint shares. */
async function openBridgeContext(config: BridgeConfig, dependencies: BridgeDependencies): Promise<BridgeContext> {
  const { clock, logger } = dependencies;
  const metrics: BridgeMetrics = dependencies.metrics ?? createMetrics();
  if (!config.cache.url) logger.warn('cache.url is empty: using an in-memory cache; state is lost on restart (demo and tests only)');
  const cache = await openStateCache({
    url: config.cache.url,
    namespace: config.cache.namespace,
    username: config.cache.username,
    password: config.cache.password,
    tls: config.cache.tls,
    onOperation: (operation, seconds, ok) => metrics.observeCacheOperation(operation, seconds, ok),
  });
  // One bucket per platform account, in the cache's Redis so every replica draws from it (README "Platform rate limits").
  const rateLimiter = createPlatformRateLimiter({ rates: config.rateLimits, ...(cache.coordination.redis ? { redis: cache.coordination.redis } : {}), namespace: config.cache.namespace, clock, logger: logger.child({ component: 'rate-limit' }) });
  const publisher = dependencies.publisher ?? createPublisher(config, logger, dependencies.stdout);
  if (publisher.guarantee === 'core') logger.warn('publisher.jetstream is false: events are published at most once (core NATS)');
  const pollFences = new Map<string, Fence>();
  const replicaId = config.cluster.enabled ? config.cluster.replicaId || defaultReplicaId() : undefined;
  // In cluster mode every write of an endpoint's state checks the poll's lease, atomically with the write.
  const stateCache = replicaId === undefined ? cache : cache.fenced((name) => pollFences.get(name));
  const differ = createDiffer({
    cache: stateCache,
    deleteAfterMissedLists: config.diff.deleteAfterMissedLists,
    debounceMs: config.diff.debounceSeconds * 1000,
    guard: { maxShare: config.diff.massDeletionShare, minimum: config.diff.massDeletionMinimum },
    ...(publisher.history ? { history: publisher.history } : {}),
  });
  const registry = createEndpointRegistry(config.endpoints);
  return { config, dependencies, clock, logger, metrics, cache, stateCache, publisher, rateLimiter, differ, registry, replicaId, pollFences, onceFences: new Map() };
}

interface BridgeParts {
  readonly book: ReturnType<typeof createEndpointBook>;
  readonly scheduling: EndpointScheduling;
  readonly cluster: ClusterWiring | undefined;
  readonly stopMaintenance: () => void;
}

/** The {@link Bridge} its callers see: start, once, status, owner, release, stop. */
function bridgeSurface(context: BridgeContext, parts: BridgeParts): Bridge {
  const { cache, logger, publisher, registry, replicaId } = context;
  const { book, scheduling, cluster } = parts;
  const { scheduler } = scheduling;
  let started = false;
  let starting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  return {
    endpoints: registry,
    metrics: context.metrics,
    cache,
    publisher,
    start() {
      if (started) return starting;
      started = true;
      // Scheduled once each has its last poll start: the scheduler starts them all at once.
      // In cluster mode none is scheduled before this replica owns it and holds its lease.
      const scheduled = cluster ? Promise.resolve([]) : Promise.all(registry.list().map((endpoint) => scheduling.schedule(endpoint, true)));
      registry.subscribe(async (event) => {
        await scheduled;
        if (cluster) return cluster.follow(event);
        // A replacement that lists the same instances the same way needs no resync: DCM already knows them.
        if (event.kind === 'added') await scheduling.schedule(event.endpoint, event.replacing === undefined || listingChanged(event.replacing, event.endpoint));
        else {
          await scheduling.unschedule(event.endpoint.name);
          if (!event.replacedBy) await scheduling.forgetAdapterStore(event.endpoint.name);
        }
      });
      starting = scheduled.then(async () => {
        scheduler.start();
        // Resolves once the endpoints this replica can take now are scheduled, as a lone bridge's are.
        const members = await cluster?.coordinator.start();
        logger.info({ endpoints: registry.list().map((endpoint) => endpoint.name), publisher: publisher.guarantee, cache: cache.kind, ...(cluster ? { replica: replicaId, members, polling: cluster.coordinator.held() } : {}) }, 'bridge started');
      });
      return starting;
    },
    async runOnce(options = {}) {
      await starting;
      return runOneRound(context, parts, options);
    },
    status: (name) => book.status(name),
    replicaId,
    async ownerOf(name) {
      if (!cluster) return undefined;
      const holder = await cluster.coordinator.holder(name);
      return holder ? { replica: holder.replica, token: holder.token, ...(holder.ageMs !== undefined ? { leaseAgeSeconds: holder.ageMs / 1000 } : {}) } : undefined;
    },
    releaseHeldDeletions(name) {
      const poller = scheduling.poller(name);
      if (!poller?.heldDeletions()) return false;
      poller.releaseHeldDeletions();
      return true;
    },
    stop() {
      stopping ??= (async () => {
        await starting;
        await scheduler.stop();
        // Polls have ended: the leases go back at once, so the others need not wait for them to lapse.
        await cluster?.coordinator.stop();
        await Promise.all(scheduling.connected().map((name) => scheduling.unschedule(name)));
        parts.stopMaintenance();
        await publisher.close();
        await cache.close();
        logger.info('bridge stopped');
      })();
      return stopping;
    },
  };
}

/** The `once` command: every endpoint not scheduled yet is scheduled and polled once (in cluster mode, only those whose lease it can take). */
async function runOneRound(context: BridgeContext, parts: BridgeParts, options: { resync?: boolean; signal?: AbortSignal }): Promise<OnceResult> {
  const { cache, clock, config, logger, registry, replicaId, onceFences } = context;
  const { book, scheduling, cluster } = parts;
  const leases = replicaId !== undefined && !cluster?.coordinator.held().length ? leaseTableOf(cache.coordination, () => clock.now()) : undefined;
  for (const endpoint of registry.list()) {
    if (scheduling.scheduler.has(endpoint.name)) continue;
    // One round in cluster mode: an endpoint whose lease another replica holds is left to it (and counts as not polled).
    if (leases && replicaId !== undefined) {
      const take = await leases.take(endpoint.name, replicaId, config.cluster.leaseTtlSeconds * 1000).catch((error: unknown) => {
        logger.warn({ err: error, endpoint: endpoint.name }, `once: cannot take the lease of endpoint ${endpoint.name}; it is not polled`);
        return undefined;
      });
      if (take && !take.taken) logger.info({ endpoint: endpoint.name }, `once: another replica holds the lease of endpoint ${endpoint.name}; it is left to it`);
      if (!take?.taken) continue;
      onceFences.set(endpoint.name, take.fence);
    }
    await scheduling.schedule(endpoint, options.resync ?? false);
  }
  const settlements = await scheduling.scheduler.runAllOnce(options.signal);
  if (leases) {
    for (const [name, fence] of onceFences) await leases.release(name, fence).catch(() => undefined);
    onceFences.clear();
  }
  const polled = new Set(settlements.map((settlement) => settlement.name));
  const endpoints = registry.list().map((endpoint) => book.status(endpoint.name) ?? { endpoint: endpoint.name, consecutiveFailures: 0 });
  const ok = settlements.every((settlement) => !settlement.error) && registry.list().every((endpoint) => polled.has(endpoint.name));
  return { ok, endpoints };
}

/** Whether two versions of an endpoint list different instances or report them differently (a resync is due). */
function listingChanged(before: EndpointConfig, after: EndpointConfig): boolean {
  const listing = (endpoint: EndpointConfig) => JSON.stringify([endpoint.platform, endpoint.url, endpoint.serviceType, endpoint.selector, endpoint.options]);
  return listing(before) !== listing(after);
}

function createPublisher(config: BridgeConfig, logger: Logger, stdout: Writable): EventPublisher {
  if (config.publisher.kind === 'stdout') return createStdoutPublisher(stdout);
  return createNatsPublisher({
    url: config.publisher.url,
    jetstream: config.publisher.jetstream,
    createStream: config.publisher.createStream,
    streamName: config.publisher.streamName,
    maxInFlight: config.publisher.maxInFlight,
    ackTimeoutMs: config.publisher.ackTimeoutSeconds * 1000,
    user: config.publisher.user,
    password: config.publisher.password,
    token: config.publisher.token,
    credsFile: config.publisher.credsFile,
    nkeySeedFile: config.publisher.nkeySeedFile,
    tls: config.publisher.tls,
    connectionName: `dcm-poll-bridge ${config.provider.name}`,
    ...(config.publisher.recallFromStream ? { recall: { providerName: config.provider.name } } : {}),
    logger: logger.child({ component: 'publisher' }),
  });
}
