import type { Logger } from 'pino';
import type { PlatformAdapter, PlatformConnection, RawInstance } from '../adapter/index.js';
import type { Clock } from '../clock/index.js';
import { dnsLabelPattern, type EndpointConfig } from '../config/index.js';
import type { Change, Differ, Observation, PollPlan } from '../diff/index.js';
import { BridgeError, ErrorCode, asBridgeError } from '../errors/index.js';
import type { BridgeMetrics } from '../metrics/index.js';
import { createNormalizer, platformTextMaxChars, vmStatuses, type VmStatus } from '../normalize/index.js';
import { buildStatusEvent, type EventPublisher } from '../publisher/index.js';
import { boundText } from '../text/index.js';

/** Events built, published and committed together; bounds the memory a large first poll needs. */
const publishChunkSize = 1000;

/** What one successful poll did, for logs, `once` and the status API. */
export interface PollReport {
  readonly endpoint: string;
  readonly observed: number;
  readonly transitions: number;
  readonly resynced: number;
  readonly debounced: number;
  readonly missing: number;
  readonly invalidIds: number;
  readonly countsByStatus: Readonly<Record<VmStatus, number>>;
  readonly durationMs: number;
}

export interface EndpointPollerOptions {
  readonly endpoint: EndpointConfig;
  readonly adapter: PlatformAdapter;
  readonly connection: PlatformConnection;
  readonly differ: Differ;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** Already bound to the endpoint. */
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  readonly providerName: string;
  /** A listing running longer is aborted and the poll fails. */
  readonly pollTimeoutMs: number;
  /** Re-publish current states this often; 0 = only on the first poll (when `resyncOnFirstPoll`). */
  readonly resyncMs: number;
  /** Invariant 5: the first successful poll of a process re-publishes everything. */
  readonly resyncOnFirstPoll: boolean;
}

/** Polls one endpoint through the whole pipeline. */
export interface EndpointPoller {
  /**
   * list → normalize → diff → publish → commit. Throws (a BridgeError) when the
   * listing failed (nothing published, nothing deleted) or when any event was
   * not acknowledged (the acknowledged ones are committed, the rest retried).
   * `signal` aborts the listing only: once publishing started it finishes, so
   * a shutdown never leaves an acknowledged event uncommitted.
   */
  poll(signal: AbortSignal): Promise<PollReport>;
}

/** Creates the poller of one endpoint. */
export function createEndpointPoller(options: EndpointPollerOptions): EndpointPoller {
  const { endpoint, clock, logger, metrics, differ, publisher } = options;
  const normalize = createNormalizer({
    table: options.adapter.stateTable,
    overrides: endpoint.stateOverrides,
    logger,
    onUnknownState: (rawState) => metrics.unknownRawStates.inc({ endpoint: endpoint.name, platform: endpoint.platform, raw_state: rawState }),
  });
  let lastResyncAt: number | undefined = options.resyncOnFirstPoll ? undefined : clock.now();

  const resyncDue = (now: number): boolean =>
    lastResyncAt === undefined || (options.resyncMs > 0 && now - lastResyncAt >= options.resyncMs);

  /** Runs the listing; the plan is complete or this throws. */
  const listAndDiff = async (signal: AbortSignal, observedAt: number, resyncRound: number | undefined) => {
    const listAbort = new AbortController();
    const onOuterAbort = (): void => listAbort.abort(signal.reason);
    signal.addEventListener('abort', onOuterAbort, { once: true });
    const timeout = clock.schedule(options.pollTimeoutMs, () =>
      listAbort.abort(new BridgeError(ErrorCode.PlatformTimeout, `listing ${endpoint.name} took longer than ${options.pollTimeoutMs / 1000} s`, { endpoint: endpoint.name })),
    );
    const pollDiff = differ.begin(endpoint.name, { observedAt, ...(resyncRound !== undefined ? { resyncRound } : {}) });
    const countsByStatus = Object.fromEntries(vmStatuses.map((status) => [status, 0])) as Record<VmStatus, number>;
    const owners = new Map<string, string>();
    let invalidIds = 0;
    try {
      if (signal.aborted) throw signal.reason;
      for await (const page of options.connection.list(listAbort.signal)) {
        if (listAbort.signal.aborted) throw listAbort.signal.reason;
        const { observations, invalid } = observe(page, normalize, owners, logger);
        invalidIds += invalid.length;
        if (invalid.length > 0) {
          metrics.invalidInstanceIds.inc({ endpoint: endpoint.name }, invalid.length);
          pollDiff.markPresent(invalid.map((instance) => instance.platformId));
          logger.warn({ invalid: invalid.slice(0, 5).map((instance) => ({ platformId: instance.platformId, instanceId: instance.instanceId })), count: invalid.length }, 'instances whose DCM id is not a DNS label of at most 63 characters are not published');
        }
        for (const observation of observations) countsByStatus[observation.status]++;
        await pollDiff.addPage(observations);
      }
      if (listAbort.signal.aborted) throw listAbort.signal.reason;
      return { plan: await pollDiff.finish(), countsByStatus, invalidIds };
    } catch (error) {
      if (listAbort.signal.aborted) throw asBridgeError(listAbort.signal.reason, ErrorCode.PollAborted, { endpoint: endpoint.name });
      throw asBridgeError(error, ErrorCode.ListIncomplete, { endpoint: endpoint.name, platform: endpoint.platform });
    } finally {
      clock.cancel(timeout);
      signal.removeEventListener('abort', onOuterAbort);
    }
  };

  /**
   * Publishes the plan chunk by chunk (bounding the events held in memory) and
   * commits each chunk's acknowledged transitions before the next; the index
   * last. Invariant 2: only what the broker acknowledged reaches the cache.
   */
  const publishAndCommit = async (plan: PollPlan, resyncRound: number | undefined): Promise<void> => {
    const acknowledgedDeletions = new Set<string>();
    let failed = 0;
    let firstFailure: Error | undefined;
    for (let offset = 0; offset < plan.changes.length; offset += publishChunkSize) {
      const chunk = plan.changes.slice(offset, offset + publishChunkSize);
      const outcomes = await publisher.publish(chunk.map((change) => toEvent(change, resyncRound)));
      const acknowledged: Change[] = [];
      outcomes.forEach((outcome, index) => {
        const change = chunk[index] as Change;
        if (outcome.ok) {
          acknowledged.push(change);
          if (change.leavesIndex) acknowledgedDeletions.add(change.platformId);
          metrics.eventsPublished.inc({ endpoint: endpoint.name, status: change.status, kind: change.kind });
        } else {
          failed++;
          firstFailure ??= outcome.error;
          metrics.publishFailures.inc({ endpoint: endpoint.name });
        }
      });
      await differ.commitTransitions(endpoint.name, acknowledged);
    }
    await differ.commitIndex(plan, acknowledgedDeletions);
    if (firstFailure) {
      throw new BridgeError(ErrorCode.PublishFailed, `${failed} of ${plan.changes.length} events for ${endpoint.name} were not acknowledged: ${firstFailure.message}`, { endpoint: endpoint.name }, { cause: firstFailure });
    }
  };

  const toEvent = (change: Change, resyncRound: number | undefined) =>
    buildStatusEvent({
      providerName: options.providerName,
      endpoint: endpoint.name,
      platform: endpoint.platform,
      serviceType: endpoint.serviceType,
      platformId: change.platformId,
      instanceId: change.instanceId,
      status: change.status,
      previousStatus: change.previousStatus,
      message: change.message,
      observedAt: change.observedAt,
      sequence: change.sequence,
      ...(change.kind === 'resync' ? { resyncRound } : {}),
    });

  return {
    async poll(signal) {
      const startedAt = clock.now();
      const started = performance.now();
      const resyncRound = resyncDue(startedAt) ? startedAt : undefined;
      let outcome = 'failure';
      try {
        const { plan, countsByStatus, invalidIds } = await listAndDiff(signal, startedAt, resyncRound);
        await publishAndCommit(plan, resyncRound);
        if (resyncRound !== undefined) lastResyncAt = startedAt;
        for (const status of vmStatuses) metrics.instances.set({ endpoint: endpoint.name, status }, countsByStatus[status]);
        metrics.lastSuccess.set({ endpoint: endpoint.name }, clock.now() / 1000);
        if (plan.counts.debounced > 0) metrics.debounced.inc({ endpoint: endpoint.name }, plan.counts.debounced);
        outcome = 'success';
        const transitions = plan.changes.filter((change) => change.kind === 'transition').length;
        const report: PollReport = {
          endpoint: endpoint.name,
          observed: plan.counts.observed,
          transitions,
          resynced: plan.changes.length - transitions,
          debounced: plan.counts.debounced,
          missing: plan.counts.missing,
          invalidIds,
          countsByStatus,
          durationMs: Math.round(performance.now() - started),
        };
        logger.info({ poll: report }, transitions > 0 ? `poll published ${transitions} change(s)` : 'poll found no changes');
        return report;
      } catch (error) {
        // Throttling is counted per request by the adapter's onRequest hook, not again here.
        throw asBridgeError(error, ErrorCode.Internal, { endpoint: endpoint.name });
      } finally {
        metrics.pollDuration.observe({ endpoint: endpoint.name, outcome }, (performance.now() - started) / 1000);
      }
    },
  };
}

/** Normalizes one page and sets aside instances DCM could not route (invalid ids). */
function observe(page: readonly RawInstance[], normalize: ReturnType<typeof createNormalizer>, owners: Map<string, string>, logger: Logger): { observations: Observation[]; invalid: RawInstance[] } {
  const observations: Observation[] = [];
  const invalid: RawInstance[] = [];
  for (const instance of page) {
    if (typeof instance.instanceId !== 'string' || !dnsLabelPattern.test(instance.instanceId)) {
      invalid.push(instance);
      continue;
    }
    const owner = owners.get(instance.instanceId);
    if (owner !== undefined && owner !== instance.platformId) {
      logger.warn({ instanceId: instance.instanceId, platformIds: [owner, instance.platformId] }, 'two platform instances carry the same DCM id; DCM will see both states');
    }
    owners.set(instance.instanceId, instance.platformId);
    const { status, message } = normalize(instance);
    observations.push({
      platformId: instance.platformId,
      instanceId: instance.instanceId,
      status,
      message,
      rawState: instance.rawState ?? null,
      ...(instance.name !== undefined ? { name: boundText(instance.name, platformTextMaxChars) } : {}),
    });
  }
  return { observations, invalid };
}
