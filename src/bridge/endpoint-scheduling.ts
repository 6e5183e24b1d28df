import type { PlatformConnection } from '../adapter/index.js';
import type { Fence } from '../cache/index.js';
import type { EndpointConfig } from '../config/index.js';
import { asBridgeError, BridgeError, ErrorCode } from '../errors/index.js';
import { createEndpointPoller, type EndpointPoller, type PollReport } from '../pipeline/index.js';
import { createWaitTimer, timedGate } from '../ratelimit/index.js';
import { createScheduler, type PollJob, type Scheduler } from '../scheduler/index.js';
import type { BridgeContext } from './context.js';
import type { EndpointBook } from './endpoint-book.js';
import type { MaintenanceWiring } from './maintenance-wiring.js';

export interface EndpointSchedulingOptions {
  readonly book: EndpointBook;
  readonly maintenance: MaintenanceWiring;
  /** The lease this replica holds on the endpoint now (cluster mode); read at the start of every poll. */
  readonly leaseOf: (endpoint: string) => Fence | undefined;
}

/** Every endpoint's pipeline on the scheduler: connected, polled on its timer, and taken down again. */
export interface EndpointScheduling {
  readonly scheduler: Scheduler;
  /** Starts polling one endpoint; an adapter that refuses it fails that endpoint only (invariant 7). */
  schedule(endpoint: EndpointConfig, resyncOnFirstPoll: boolean): Promise<void>;
  /** Stops polling it, forgets its status and gauges, logs out of its platform. */
  unschedule(name: string): Promise<void>;
  /** What a removed endpoint's adapter stored is of no use to anyone; a failure leaves it for an operator, not the caller. */
  forgetAdapterStore(name: string): Promise<void>;
  poller(name: string): EndpointPoller | undefined;
  /** Endpoints with an open platform connection. */
  connected(): string[];
}

export function createEndpointScheduling(context: BridgeContext, options: EndpointSchedulingOptions): EndpointScheduling {
  const { config, dependencies, clock, logger, metrics, cache, stateCache } = context;
  const { book, maintenance } = options;
  const connections = new Map<string, PlatformConnection>();
  const pollers = new Map<string, EndpointPoller>();
  const lastReports = new Map<string, PollReport>();
  const scheduler: Scheduler = createScheduler({
    clock,
    logger,
    maxConcurrentPolls: config.scheduler.maxConcurrentPolls,
    jitterRatio: config.scheduler.jitterRatio,
    backoffMaxMs: config.scheduler.backoffMaxSeconds * 1000,
    ...(dependencies.random ? { random: dependencies.random } : {}),
    onSettled: (settlement) => {
      if (!settlement.error) maintenance.pollSucceeded(settlement.name, settlement.startedAt);
      book.settle(settlement, settlement.error ? undefined : lastReports.get(settlement.name));
    },
  });

  const pollAgainWhenBack = (failure: DependencyFailure) => () => pollAgainAfter(context, { scheduler, book, failure, endpoints: [...pollers.keys()] });
  context.publisher.onLinkUp?.(pollAgainWhenBack({ code: ErrorCode.PublishFailed, dependency: 'the broker' }));
  context.cache.onLinkUp?.(pollAgainWhenBack({ code: ErrorCode.CacheFailed, dependency: 'the cache' }));

  const scheduleOrThrow = (endpoint: EndpointConfig, resyncOnFirstPoll: boolean, lastStartedAt: number | undefined): void => {
    const adapter = dependencies.adapters.require(endpoint.platform);
    maintenance.follow(endpoint);
    metrics.trackEndpoint(endpoint);
    const poller = createEndpointPoller({
      endpoint,
      adapter,
      connection: connect(context, options, endpoint, connections),
      differ: context.differ,
      cache: stateCache,
      publisher: context.publisher,
      clock,
      logger: logger.child({ endpoint: endpoint.name, platform: endpoint.platform }),
      metrics,
      providerName: config.provider.name,
      pollTimeoutMs: config.scheduler.pollTimeoutSeconds * 1000,
      resyncMs: config.diff.resyncSeconds * 1000,
      fullListMs: config.diff.fullListSeconds * 1000,
      resyncOnFirstPoll,
    });
    scheduler.add(pollJob(context, options, { endpoint, poller, floorMs: adapter.minimumIntervalSeconds * 1000, lastStartedAt, lastReports }));
    pollers.set(endpoint.name, poller);
    book.open(endpoint.name);
    // Started inside an open window: health (gauge, event) says maintenance now, as when a window opens, not after a poll a paused window defers.
    if (maintenance.status(endpoint.name)?.active) book.rejudge(endpoint.name);
  };

  return {
    scheduler,
    async schedule(endpoint, resyncOnFirstPoll) {
      try {
        scheduleOrThrow(endpoint, resyncOnFirstPoll, await lastPollStart(context, endpoint.name));
      } catch (error) {
        const failure = asBridgeError(error, ErrorCode.Internal, { endpoint: endpoint.name });
        book.refuse(endpoint.name, failure);
        logger.error({ err: failure, endpoint: endpoint.name }, `endpoint ${endpoint.name} cannot be polled: ${failure.message}`);
      }
    },
    async unschedule(name) {
      await scheduler.remove(name);
      const connection = connections.get(name);
      connections.delete(name);
      pollers.delete(name);
      lastReports.delete(name);
      maintenance.forget(name);
      book.forget(name);
      stateCache.dropIndexMemory(name);
      metrics.untrackEndpoint(name);
      await connection?.close().catch((error: unknown) => logger.warn({ err: error, endpoint: name }, 'closing the platform connection failed'));
    },
    async forgetAdapterStore(name) {
      await cache.forgetAdapterStore(name).catch((error: unknown) => logger.warn({ err: error, endpoint: name }, "cannot delete what the removed endpoint's adapter stored"));
    },
    poller: (name) => pollers.get(name),
    connected: () => [...connections.keys()],
  };
}

/** A shared dependency whose outage fails polls with `code`: NATS (`PUBLISH_FAILED`) or Redis (`CACHE_FAILED`). */
interface DependencyFailure {
  readonly code: ErrorCode;
  /** As the log names it. */
  readonly dependency: string;
}

/**
 * A dependency is back, which ends what failed the polls of the endpoints
 * whose last poll failed on it: each polls as if it had never gone (see
 * {@link Scheduler.expedite}), not at the end of a backoff that grew while it
 * was away.
 */
function pollAgainAfter(context: BridgeContext, parts: { readonly scheduler: Scheduler; readonly book: EndpointBook; readonly failure: DependencyFailure; readonly endpoints: readonly string[] }): void {
  const { scheduler, book, failure } = parts;
  try {
    for (const name of parts.endpoints) {
      const status = book.status(name);
      if (!status || status.consecutiveFailures === 0 || status.lastError?.code !== failure.code) continue;
      const nextPollAt = scheduler.expedite(name);
      if (nextPollAt === undefined) continue;
      book.rescheduled(name, nextPollAt);
      const at = new Date(nextPollAt).toISOString();
      context.logger.info({ endpoint: name, nextPollAt: at }, `${failure.dependency} is back: ${name} polls again at ${at}, not at the end of its backoff`);
    }
  } catch (error) {
    // Called from the clients' connection events: nothing may escape into them.
    context.logger.error({ err: error }, `bringing polls forward now that ${failure.dependency} is back failed`);
  }
}

/**
 * When the endpoint's previous poll started, from the cache (invariant 1
 * across restarts, replacements and PATCHes). Unknown when the cache cannot
 * say now: the poll itself then fails on the cache and backs off.
 */
async function lastPollStart(context: BridgeContext, name: string): Promise<number | undefined> {
  try {
    return await context.cache.readPollStart(name);
  } catch (error) {
    context.logger.warn({ err: error, endpoint: name }, 'cannot read when the endpoint was last polled');
    return undefined;
  }
}

/** The endpoint's platform connection (kept in `connections` for closing), counting its requests, with deletions held in its maintenance windows. */
function connect(context: BridgeContext, options: EndpointSchedulingOptions, endpoint: EndpointConfig, connections: Map<string, PlatformConnection>): PlatformConnection {
  const { dependencies, clock, logger, metrics, cache } = context;
  const adapter = dependencies.adapters.require(endpoint.platform);
  const endpointLogger = logger.child({ endpoint: endpoint.name, platform: endpoint.platform });
  const targetCheck = dependencies.targetCheckFor?.(endpoint);
  const accountGate = context.rateLimiter.forPlatform(endpoint.platform);
  // The time this endpoint's requests wait for the account's budget is booked to its poll in progress.
  const waits = createWaitTimer(clock, (waitedMs) => options.book.countRateLimitWait(endpoint.name, endpoint.platform, waitedMs));
  const rateLimit = accountGate && ((accountKey: string) => timedGate(accountGate(accountKey), waits));
  const connection = adapter.connect(endpoint, {
    logger: endpointLogger,
    clock,
    store: cache.adapterStore(endpoint.name),
    ...(targetCheck ? { targetCheck } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    onRequest: ({ status, throttled }) => {
      metrics.platformRequests.inc({ endpoint: endpoint.name, code: String(status) });
      if (throttled) metrics.throttles.inc({ endpoint: endpoint.name });
      options.book.countRequest(endpoint.name, throttled);
    },
  });
  connections.set(endpoint.name, connection);
  return options.maintenance.connection(endpoint, connection, endpointLogger);
}

interface PollJobParts {
  readonly endpoint: EndpointConfig;
  readonly poller: EndpointPoller;
  readonly floorMs: number;
  readonly lastStartedAt: number | undefined;
  /** Where the poll leaves its report for the settlement. */
  readonly lastReports: Map<string, PollReport>;
}

/** One poll of the endpoint: under its lease in cluster mode, its start remembered before the platform hears from us; paused in pausing windows. */
function pollJob(context: BridgeContext, options: EndpointSchedulingOptions, parts: PollJobParts): PollJob {
  const { endpoint, poller } = parts;
  return {
    name: endpoint.name,
    intervalMs: endpoint.intervalSeconds * 1000,
    floorMs: parts.floorMs,
    ...(parts.lastStartedAt !== undefined ? { lastStartedAt: parts.lastStartedAt } : {}),
    ...(endpoint.maintenanceWindows?.some((window) => window.pausePolling) ? { pausedUntil: (at: number) => options.maintenance.pausedUntil(endpoint.name, at) } : {}),
    run: async (signal) => {
      options.book.beginPoll(endpoint.name);
      if (context.replicaId !== undefined) {
        const fence = options.leaseOf(endpoint.name);
        if (!fence) throw new BridgeError(ErrorCode.LeaseLost, `endpoint ${endpoint.name}: replica ${context.replicaId} holds no lease on it; not polling`, { endpoint: endpoint.name, replica: context.replicaId });
        context.pollFences.set(endpoint.name, fence);
      }
      // Remembered before the platform hears from us, so a crash mid-poll still counts as a poll.
      await context.stateCache.writePollStart(endpoint.name, context.clock.now());
      await context.dependencies.preflight?.(endpoint, signal);
      parts.lastReports.set(endpoint.name, await poller.poll(signal));
    },
  };
}
