import type { Change, VanishingVerdict } from '../diff/index.js';
import type { Normalizer } from '../normalize/index.js';
import { buildStatusEvent, type OutgoingEvent } from '../publisher/index.js';
import type { Delivery } from './delivery.js';
import type { EndpointPollerOptions } from './endpoint-poller.js';

/** What one endpoint's poller carries from one poll to the next. */
export interface PollerState {
  /** When current states were last re-published; undefined: the next poll re-publishes them. */
  lastResyncAt: number | undefined;
  /** The mass-deletion guard's verdict while it holds this endpoint's deletions. */
  held: VanishingVerdict | undefined;
  /** An operator confirmed the held deletions; the next complete list asks the platform despite the guard. */
  guardReleased: boolean;
}

/** What every stage of one endpoint's poll reads: its options, its fixed parts and its state between polls. */
export interface PollerContext {
  readonly options: EndpointPollerOptions;
  readonly normalize: Normalizer;
  readonly delivery: Delivery;
  /** The listing scope a stored cursor must match (see listing-plan.ts). */
  readonly scope: string;
  readonly state: PollerState;
}

/** The status event of one change, in the poll's cache epoch (and resync round, for a resync). */
export function changeToEvent(context: PollerContext, epoch: string, resyncRound: number | undefined): (change: Change) => OutgoingEvent {
  const { endpoint, providerName } = context.options;
  return (change) =>
    buildStatusEvent({
      providerName,
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
      epoch,
      ...(change.kind === 'resync' ? { resyncRound } : {}),
    });
}

/** Counts one acknowledged event. */
export function countPublished(context: PollerContext, change: Change): void {
  context.options.metrics.eventsPublished.inc({ endpoint: context.options.endpoint.name, status: change.status, kind: change.kind });
}
