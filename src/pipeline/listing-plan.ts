import { createHash } from 'node:crypto';
import type { ChangePage, ListingEnd, PlatformConnection, RawInstance } from '../adapter/index.js';
import type { ListingCursor } from '../cache/index.js';
import type { EndpointConfig } from '../config/index.js';

/** How one poll lists: everything, or only what changed since the stored cursor. */
export type ListingPlan =
  | { readonly kind: 'full'; readonly reason: string; readonly tracksCursor: boolean }
  | { readonly kind: 'incremental'; readonly cursor: ListingCursor };

/** Why a stored cursor is set aside, as the `dcm_bridge_cursor_resets_total` reason label says it. */
export type CursorResetReason = 'unreadable' | 'epoch' | 'scope' | 'rejected';

/** What decides a poll's listing. */
export interface ListingPlanFacts {
  readonly connection: PlatformConnection;
  /** 0: always list in full (and keep no cursor). */
  readonly fullListMs: number;
  readonly stored: ListingCursor | 'unreadable' | undefined;
  readonly epoch: string;
  readonly scope: string;
  readonly now: number;
  /** The mass-deletion guard holds deletions, or an operator released them: only a full list judges them again. */
  readonly deletionsInDoubt: boolean;
}

/**
 * Picks a poll's listing as data flows, not as branches spread over the
 * poller: incremental only when the adapter can, a cursor is stored for this
 * endpoint as configured and this cache epoch, and no full list is due. The
 * reset reason says when a stored cursor was set aside (a metric and a log).
 */
export function planListing(facts: ListingPlanFacts): { readonly plan: ListingPlan; readonly reset?: CursorResetReason } {
  const tracksCursor = facts.connection.listChanges !== undefined && facts.fullListMs > 0;
  const full = (reason: string, reset?: CursorResetReason) => ({ plan: { kind: 'full' as const, reason, tracksCursor }, ...(reset ? { reset } : {}) });
  if (!tracksCursor) return full(facts.connection.listChanges ? 'diff.fullListSeconds is 0' : 'the adapter lists only in full');
  const { stored } = facts;
  if (stored === undefined) return full('no listing cursor is stored');
  if (stored === 'unreadable') return full('the stored listing cursor cannot be read', 'unreadable');
  if (stored.epoch !== facts.epoch) return full('the listing cursor belongs to another cache epoch', 'epoch');
  if (stored.scope !== facts.scope) return full("the endpoint's settings changed since the cursor was taken", 'scope');
  if (facts.deletionsInDoubt) return full('deletions are held or released: a full list judges them');
  if (facts.now - stored.fullListAt >= facts.fullListMs) return full('a full list is due (diff.fullListSeconds)');
  return { plan: { kind: 'incremental', cursor: stored } };
}

/**
 * What a cursor is valid for: the endpoint's platform, URL and selector, and
 * its adapter's keys. A changed endpoint (a PATCH, an edited file) lists in
 * full again rather than resume where another configuration left off.
 */
export function listingScope(endpoint: EndpointConfig): string {
  const { platform, url, serviceType, selector, options } = endpoint;
  return createHash('sha256').update(JSON.stringify({ platform, url, serviceType, selector, options })).digest('base64url').slice(0, 22);
}

/** What an incremental-capable listing reported beside its pages, filled in as they are read. */
export interface ListingOutcome {
  readonly deleted: Map<string, string>;
  readonly departed: Set<string>;
  /** Set once the listing completed: the cursor it returned. */
  end: ListingEnd | undefined;
}

/**
 * The pages of `changes` as `list()` yields them, while the deletions,
 * departures and final cursor are kept in `outcome`. Stopping early returns
 * the adapter's generator, so its clean-up (a cancelled paging token) runs.
 */
export async function* pagesOf(changes: AsyncGenerator<ChangePage, ListingEnd>, outcome: ListingOutcome): AsyncGenerator<readonly RawInstance[]> {
  let done = false;
  try {
    for (;;) {
      const step = await changes.next();
      if (step.done) {
        done = true;
        outcome.end = step.value;
        return;
      }
      for (const { platformId, evidence } of step.value.deleted) outcome.deleted.set(platformId, evidence);
      for (const platformId of step.value.departed) outcome.departed.add(platformId);
      yield step.value.instances;
    }
  } finally {
    if (!done) await changes.return({ cursor: undefined });
  }
}
