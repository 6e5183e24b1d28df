import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectTargetCheck, PlatformConnection } from '../adapter/index.js';
import { openStateCache, type Fence, type StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import { createClusterCoordinator, defaultReplicaId, leaseTableOf, memoryMembershipTable, redisMembershipTable, type ClusterCoordinator } from '../cluster/index.js';
import type { BridgeConfig, EndpointConfig } from '../config/index.js';
import { createDiffer } from '../diff/index.js';
import { asBridgeError, BridgeError, ErrorCode, isBridgeError } from '../errors/index.js';
import { createMetrics, type BridgeMetrics } from '../metrics/index.js';
import { createHealthAnnouncer, healthStates, judgeEndpointHealth } from '../health/index.js';
import type { VanishingVerdict } from '../diff/index.js';
import { createEndpointPoller, type EndpointPoller, type PollReport } from '../pipeline/index.js';
import { createNatsPublisher, createStdoutPublisher, type EventPublisher } from '../publisher/index.js';
import { createEndpointRegistry, type AdapterRegistry, type EndpointEvent, type EndpointRegistry } from '../registry/index.js';
import { createPlatformRateLimiter } from '../ratelimit/index.js';
import { createScheduler, type PollSettlement, type Scheduler } from '../scheduler/index.js';

/** The last known condition of one endpoint. */
export interface EndpointStatus {
  readonly endpoint: string;
  readonly lastSuccessAt?: number;
  readonly lastReport?: PollReport;
  /** Instances by status in the last full list (an incremental poll lists only changes). */
  readonly instanceCounts?: PollReport['countsByStatus'];
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  readonly consecutiveFailures: number;
  readonly nextPollAt?: number;
  /** When polling of this endpoint (as currently configured) began. */
  readonly since?: number;
  /** Platform requests and throttling answers of the last settled poll. */
  readonly lastPoll?: { readonly requests: number; readonly throttles: number; readonly finishedAt: number };
  /** Set while the mass-deletion guard holds this endpoint's deletions (the endpoint is degraded). */
  readonly deletionsHeld?: VanishingVerdict;
}

/** Which replica polls an endpoint now (cluster mode), as Redis says. */
export interface EndpointOwner {
  readonly replica: string;
  /** How long it has held the endpoint's lease. */
  readonly leaseAgeSeconds?: number;
  /** The lease's fencing token: it rises on every take-over. */
  readonly token: number;
}

/** Result of {@link Bridge.runOnce}. */
export interface OnceResult {
  /** True when every endpoint was polled and every change acknowledged. */
  readonly ok: boolean;
  readonly endpoints: readonly EndpointStatus[];
}

/** A running bridge: the pipeline of every endpoint, its cache and its broker. */
export interface Bridge {
  readonly endpoints: EndpointRegistry;
  readonly metrics: BridgeMetrics;
  readonly cache: StateCache;
  readonly publisher: EventPublisher;
  /**
   * Schedules every endpoint and follows registry changes. Resolves once every
   * endpoint is scheduled (each one's last poll start read from the cache), so
   * a caller driving a fake clock knows the first timers exist.
   */
  start(): Promise<void>;
  /** Polls every endpoint once, publishes and commits; nothing stays scheduled. */
  runOnce(options?: { resync?: boolean; signal?: AbortSignal }): Promise<OnceResult>;
  status(endpoint: string): EndpointStatus | undefined;
  /**
   * Which replica holds `endpoint`'s lease now, read from Redis (any replica
   * answers for any endpoint); undefined when nobody does, or when the
   * bridge runs alone (`cluster.enabled` false).
   */
  ownerOf(endpoint: string): Promise<EndpointOwner | undefined>;
  /** This replica's id in cluster mode; undefined when it runs alone. */
  readonly replicaId: string | undefined;
  /**
   * An operator's confirmation that the instances the mass-deletion guard
   * holds for `endpoint` are really gone: its next poll asks the platform
   * about them. False when the endpoint is unknown or nothing is held.
   */
  releaseHeldDeletions(endpoint: string): boolean;
  /** Stops scheduling, finishes in-flight publish+commit, logs out of platforms, closes Redis and NATS. */
  stop(): Promise<void>;
}

export interface BridgeDependencies {
  readonly adapters: AdapterRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the stdout publisher prints events. */
  readonly stdout: Writable;
  readonly random?: () => number;
  /** Replaces the publisher built from config (tests that need a failing broker). */
  readonly publisher?: EventPublisher;
  /**
   * Runs at the start of every poll, before the platform is asked; a throw
   * fails that poll like a platform error (status, health, backoff). The API
   * passes its target check of registered endpoints here.
   */
  readonly preflight?: (endpoint: EndpointConfig, signal: AbortSignal) => Promise<void>;
  /**
   * The target check an endpoint's adapter applies to every socket it opens
   * (`AdapterContext.targetCheck`), or undefined for none. The API passes its
   * target policy here for registered endpoints.
   */
  readonly targetCheckFor?: (endpoint: EndpointConfig) => ConnectTargetCheck | undefined;
}

/** Opens the cache and the broker and wires the pipeline for every configured endpoint. */
export async function createBridge(config: BridgeConfig, dependencies: BridgeDependencies): Promise<Bridge> {
  const { adapters, clock, logger } = dependencies;
  const metrics = createMetrics();
  if (!config.cache.url) logger.warn('cache.url is empty: using an in-memory cache; state is lost on restart (demo and tests only)');
  const cache = await openStateCache({
    url: config.cache.url,
    namespace: config.cache.namespace,
    username: config.cache.username,
    password: config.cache.password,
    tls: config.cache.tls,
    onOperation: (operation, seconds) => metrics.cacheLatency.observe({ operation }, seconds),
  });
  // One bucket per platform account, in the cache's Redis so every replica draws from it (README "Platform rate limits").
  const rateLimiter = createPlatformRateLimiter({ rates: config.rateLimits, ...(cache.coordination.redis ? { redis: cache.coordination.redis } : {}), namespace: config.cache.namespace, clock, logger: logger.child({ component: 'rate-limit' }) });
  const publisher = dependencies.publisher ?? createPublisher(config, logger, dependencies.stdout);
  if (publisher.guarantee === 'core') logger.warn('publisher.jetstream is false: events are published at most once (core NATS)');
  /** The lease each endpoint's running poll began under: every state write of that poll is fenced by it. */
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
  const statuses = new Map<string, EndpointStatus>();
  const connections = new Map<string, PlatformConnection>();
  const pollers = new Map<string, EndpointPoller>();
  /** Requests of the poll in progress per endpoint; copied into the status when it settles. */
  const pollRequests = new Map<string, { requests: number; throttles: number }>();
  // stdout carries status events only (one per line, for the demo and pipes); health events need a broker subject.
  const health = publisher.guarantee === 'stdout' ? undefined : createHealthAnnouncer({ publisher, subject: config.health.subject, providerName: config.provider.name, clock, logger: logger.child({ component: 'health' }) });

  const recordHealth = (status: EndpointStatus): void => {
    const verdict = judgeEndpointHealth(status);
    for (const state of healthStates) metrics.endpointHealth.set({ endpoint: status.endpoint, state }, state === verdict.state ? 1 : 0);
    metrics.consecutiveFailures.set({ endpoint: status.endpoint }, status.consecutiveFailures);
    void health?.observe(status.endpoint, status);
  };

  const recordSettlement = (settlement: PollSettlement, report?: PollReport): void => {
    const previous = statuses.get(settlement.name) ?? { endpoint: settlement.name, consecutiveFailures: 0 };
    const error: BridgeError | undefined = settlement.error;
    const counted = pollRequests.get(settlement.name) ?? { requests: 0, throttles: 0 };
    const { deletionsHeld: _previouslyHeld, ...carried } = previous;
    const held = pollers.get(settlement.name)?.heldDeletions();
    const status: EndpointStatus = {
      ...carried,
      ...(held ? { deletionsHeld: held } : {}),
      consecutiveFailures: settlement.consecutiveFailures,
      lastPoll: { ...counted, finishedAt: settlement.finishedAt },
      ...(settlement.nextRunAt !== undefined ? { nextPollAt: settlement.nextRunAt } : {}),
      ...(error ? { lastError: { code: error.code, message: error.message, at: settlement.finishedAt } } : { lastSuccessAt: settlement.finishedAt, ...(report ? { lastReport: report, ...(report.kind === 'full' ? { instanceCounts: report.countsByStatus } : {}) } : {}) }),
    };
    statuses.set(settlement.name, status);
    // The lease went elsewhere while this replica still counted on it: find out now, not at the next renewal.
    if (isBridgeError(error, ErrorCode.LeaseLost)) cluster?.recheck();
    if (!error && report) metrics.pollRequests.observe({ endpoint: settlement.name, kind: report.kind }, counted.requests);
    recordHealth(status);
    const endpointLogger = logger.child({ endpoint: settlement.name });
    if (error) {
      const next = settlement.nextRunAt !== undefined ? new Date(settlement.nextRunAt).toISOString() : undefined;
      endpointLogger.warn({ err: error, consecutiveFailures: settlement.consecutiveFailures, nextPollAt: next }, `poll failed: ${error.message}`);
    }
  };

  const lastReports = new Map<string, PollReport>();
  const scheduler: Scheduler = createScheduler({
    clock,
    logger,
    maxConcurrentPolls: config.scheduler.maxConcurrentPolls,
    jitterRatio: config.scheduler.jitterRatio,
    backoffMaxMs: config.scheduler.backoffMaxSeconds * 1000,
    ...(dependencies.random ? { random: dependencies.random } : {}),
    onSettled: (settlement) => recordSettlement(settlement, settlement.error ? undefined : lastReports.get(settlement.name)),
  });

  /** Starts polling one endpoint; an adapter that refuses it fails that endpoint only (invariant 7). */
  const schedule = async (endpoint: EndpointConfig, resyncOnFirstPoll: boolean): Promise<void> => {
    try {
      scheduleOrThrow(endpoint, resyncOnFirstPoll, await lastPollStart(endpoint.name));
    } catch (error) {
      const failure = asBridgeError(error, ErrorCode.Internal, { endpoint: endpoint.name });
      const status: EndpointStatus = { endpoint: endpoint.name, consecutiveFailures: 1, since: clock.now(), lastError: { code: failure.code, message: failure.message, at: clock.now() } };
      statuses.set(endpoint.name, status);
      recordHealth(status);
      logger.error({ err: failure, endpoint: endpoint.name }, `endpoint ${endpoint.name} cannot be polled: ${failure.message}`);
    }
  };

  /**
   * When the endpoint's previous poll started, from the cache (invariant 1
   * across restarts, replacements and PATCHes). Unknown when the cache cannot
   * say now: the poll itself then fails on the cache and backs off.
   */
  const lastPollStart = async (name: string): Promise<number | undefined> => {
    try {
      return await cache.readPollStart(name);
    } catch (error) {
      logger.warn({ err: error, endpoint: name }, 'cannot read when the endpoint was last polled');
      return undefined;
    }
  };

  const scheduleOrThrow = (endpoint: EndpointConfig, resyncOnFirstPoll: boolean, lastStartedAt: number | undefined): void => {
    const adapter = adapters.require(endpoint.platform);
    const endpointLogger = logger.child({ endpoint: endpoint.name, platform: endpoint.platform });
    const targetCheck = dependencies.targetCheckFor?.(endpoint);
    const rateLimit = rateLimiter.forPlatform(endpoint.platform);
    const connection = adapter.connect(endpoint, {
      logger: endpointLogger,
      clock,
      store: cache.adapterStore(endpoint.name),
      ...(targetCheck ? { targetCheck } : {}),
      ...(rateLimit ? { rateLimit } : {}),
      onRequest: ({ status, throttled }) => {
        metrics.platformRequests.inc({ endpoint: endpoint.name, code: String(status) });
        if (throttled) metrics.throttles.inc({ endpoint: endpoint.name });
        const counted = pollRequests.get(endpoint.name);
        if (counted) {
          counted.requests++;
          if (throttled) counted.throttles++;
        }
      },
    });
    connections.set(endpoint.name, connection);
    const poller = createEndpointPoller({
      endpoint,
      adapter,
      connection,
      differ,
      cache: stateCache,
      publisher,
      clock,
      logger: endpointLogger,
      metrics,
      providerName: config.provider.name,
      pollTimeoutMs: config.scheduler.pollTimeoutSeconds * 1000,
      resyncMs: config.diff.resyncSeconds * 1000,
      fullListMs: config.diff.fullListSeconds * 1000,
      resyncOnFirstPoll,
    });
    scheduler.add({
      name: endpoint.name,
      intervalMs: endpoint.intervalSeconds * 1000,
      floorMs: adapter.minimumIntervalSeconds * 1000,
      ...(lastStartedAt !== undefined ? { lastStartedAt } : {}),
      run: async (signal) => {
        pollRequests.set(endpoint.name, { requests: 0, throttles: 0 });
        if (replicaId !== undefined) {
          const fence = cluster?.fenceOf(endpoint.name) ?? onceFences.get(endpoint.name);
          if (!fence) throw new BridgeError(ErrorCode.LeaseLost, `endpoint ${endpoint.name}: replica ${replicaId} holds no lease on it; not polling`, { endpoint: endpoint.name, replica: replicaId });
          pollFences.set(endpoint.name, fence);
        }
        // Remembered before the platform hears from us, so a crash mid-poll still counts as a poll.
        await stateCache.writePollStart(endpoint.name, clock.now());
        await dependencies.preflight?.(endpoint, signal);
        lastReports.set(endpoint.name, await poller.poll(signal));
      },
    });
    pollers.set(endpoint.name, poller);
    statuses.set(endpoint.name, { endpoint: endpoint.name, consecutiveFailures: 0, since: clock.now() });
  };

  const unschedule = async (name: string): Promise<void> => {
    await scheduler.remove(name);
    const connection = connections.get(name);
    connections.delete(name);
    pollers.delete(name);
    metrics.deletionsHeld.remove({ endpoint: name });
    statuses.delete(name);
    pollRequests.delete(name);
    lastReports.delete(name);
    health?.forget(name);
    metrics.consecutiveFailures.remove({ endpoint: name });
    for (const state of healthStates) metrics.endpointHealth.remove({ endpoint: name, state });
    await connection?.close().catch((error: unknown) => logger.warn({ err: error, endpoint: name }, 'closing the platform connection failed'));
  };

  /** What a removed endpoint's adapter stored is of no use to anyone; a failure leaves it for an operator, not the caller. */
  const forgetAdapterStore = async (name: string): Promise<void> => {
    await cache.forgetAdapterStore(name).catch((error: unknown) => logger.warn({ err: error, endpoint: name }, "cannot delete what the removed endpoint's adapter stored"));
  };

  /** Leases the `once` command took for its one round (cluster mode). */
  const onceFences = new Map<string, Fence>();
  /** Schedule changes of one endpoint take turns: the registry and the cluster may both move it at once. */
  const endpointTurns = new Map<string, Promise<unknown>>();
  const inEndpointTurn = <T>(name: string, action: () => Promise<T>): Promise<T> => {
    const result = (endpointTurns.get(name) ?? Promise.resolve()).then(action, action);
    const settled = result.catch(() => undefined);
    endpointTurns.set(name, settled);
    void settled.then(() => {
      if (endpointTurns.get(name) === settled) endpointTurns.delete(name);
    });
    return result;
  };
  /**
   * A replica that finds itself alone starts the cluster, and resyncs as a lone bridge does at start-up,
   * for as long as it stays alone: once it has seen another member, what it takes is a take-over,
   * which continues from the shared cache (README, "Several replicas").
   */
  let joinedAlone: boolean | undefined;
  const cluster: ClusterCoordinator | undefined =
    replicaId === undefined
      ? undefined
      : createClusterCoordinator({
          replicaId,
          memberTtlMs: config.cluster.memberTtlSeconds * 1000,
          leaseTtlMs: config.cluster.leaseTtlSeconds * 1000,
          membership: cache.coordination.redis ? redisMembershipTable(cache.coordination.redis, cache.coordination.keys.members) : memoryMembershipTable(() => clock.now()),
          leases: leaseTableOf(cache.coordination, () => clock.now()),
          clock,
          logger: logger.child({ component: 'cluster', replica: replicaId }),
          endpoints: () => registry.list().map((endpoint) => endpoint.name),
          onMembers: (members) => {
            joinedAlone = (joinedAlone ?? true) && members.length === 1 && members[0] === replicaId;
            metrics.clusterMembers.set(members.length);
          },
          onAcquired: (name) =>
            inEndpointTurn(name, async () => {
              metrics.ownedEndpoints.set({ replica: replicaId }, cluster?.held().length ?? 0);
              const endpoint = registry.get(name);
              if (endpoint && !scheduler.has(name)) await schedule(endpoint, joinedAlone === true);
            }),
          onReleased: (name, reason) =>
            inEndpointTurn(name, async () => {
              await unschedule(name);
              pollFences.delete(name);
              metrics.ownedEndpoints.set({ replica: replicaId }, cluster?.held().length ?? 0);
              if (reason === 'removed') await forgetAdapterStore(name);
            }),
        });

  /** Cluster mode: the registry says what exists, the cluster who polls it. */
  const followRegistryInCluster = async (event: EndpointEvent, coordinator: ClusterCoordinator): Promise<void> => {
    const name = event.endpoint.name;
    if (event.kind === 'removed' && event.replacedBy) await inEndpointTurn(name, () => unschedule(name));
    else if (event.kind === 'added' && event.replacing && coordinator.fenceOf(name)) {
      const replacing = event.replacing;
      await inEndpointTurn(name, async () => {
        if (!scheduler.has(name)) await schedule(event.endpoint, listingChanged(replacing, event.endpoint));
      });
    } else coordinator.nudge();
  };

  let started = false;
  let starting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  return {
    endpoints: registry,
    metrics,
    cache,
    publisher,
    start() {
      if (started) return starting;
      started = true;
      // Scheduled once each has its last poll start: the scheduler starts them all at once.
      // In cluster mode none is scheduled before this replica owns it and holds its lease.
      const scheduled = cluster ? Promise.resolve([]) : Promise.all(registry.list().map((endpoint) => schedule(endpoint, true)));
      registry.subscribe(async (event) => {
        await scheduled;
        if (cluster) return followRegistryInCluster(event, cluster);
        // A replacement that lists the same instances the same way needs no resync: DCM already knows them.
        if (event.kind === 'added') await schedule(event.endpoint, event.replacing === undefined || listingChanged(event.replacing, event.endpoint));
        else {
          await unschedule(event.endpoint.name);
          if (!event.replacedBy) await forgetAdapterStore(event.endpoint.name);
        }
      });
      starting = scheduled.then(async () => {
        scheduler.start();
        // Resolves once the endpoints this replica can take now are scheduled, as a lone bridge's are.
        const members = await cluster?.start();
        logger.info({ endpoints: registry.list().map((endpoint) => endpoint.name), publisher: publisher.guarantee, cache: cache.kind, ...(cluster ? { replica: replicaId, members, polling: cluster.held() } : {}) }, 'bridge started');
      });
      return starting;
    },
    async runOnce(options = {}) {
      await starting;
      const leases = replicaId !== undefined && !cluster?.held().length ? leaseTableOf(cache.coordination, () => clock.now()) : undefined;
      for (const endpoint of registry.list()) {
        if (scheduler.has(endpoint.name)) continue;
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
        await schedule(endpoint, options.resync ?? false);
      }
      const settlements = await scheduler.runAllOnce(options.signal);
      if (leases) {
        for (const [name, fence] of onceFences) await leases.release(name, fence).catch(() => undefined);
        onceFences.clear();
      }
      const polled = new Set(settlements.map((settlement) => settlement.name));
      const endpoints = registry.list().map((endpoint) => statuses.get(endpoint.name) ?? { endpoint: endpoint.name, consecutiveFailures: 0 });
      const ok = settlements.every((settlement) => !settlement.error) && registry.list().every((endpoint) => polled.has(endpoint.name));
      return { ok, endpoints };
    },
    status: (name) => statuses.get(name),
    replicaId,
    async ownerOf(name) {
      if (!cluster) return undefined;
      const holder = await cluster.holder(name);
      return holder ? { replica: holder.replica, token: holder.token, ...(holder.ageMs !== undefined ? { leaseAgeSeconds: holder.ageMs / 1000 } : {}) } : undefined;
    },
    releaseHeldDeletions(name) {
      const poller = pollers.get(name);
      if (!poller?.heldDeletions()) return false;
      poller.releaseHeldDeletions();
      return true;
    },
    stop() {
      stopping ??= (async () => {
        await starting;
        await scheduler.stop();
        // Polls have ended: the leases go back at once, so the others need not wait for them to lapse.
        await cluster?.stop();
        await Promise.all([...connections.keys()].map((name) => unschedule(name)));
        await publisher.close();
        await cache.close();
        logger.info('bridge stopped');
      })();
      return stopping;
    },
  };
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
