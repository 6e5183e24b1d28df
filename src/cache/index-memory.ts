import type { EndpointIndex, IndexEntry, IndexUpdate } from './state-cache.js';
import { detachedText } from '../text/index.js';

/**
 * Endpoint indexes decoded once and kept between polls (#12), so a steady
 * poll of a 100,000-member endpoint reads one version key instead of the
 * whole hash, and the entries stay in the old generation instead of being
 * rebuilt (and collected) every poll.
 *
 * Trust rests on the index's version key. Every write of an index (its
 * members or its epoch) sets that key to a new unique token in the same
 * atomic step, and answers the token it replaced. So:
 * - a remembered index is used only while the key still holds the token it
 *   was remembered at (anything another writer did changed the key, and a
 *   token never comes back);
 * - this view's own writes are carried forward only when the token they
 *   replaced is the remembered one, which proves nothing else came between;
 * - a write whose outcome is unknown (an error, a refused fence) forgets it.
 * So whatever the order in which reads and writes finish, what is
 * remembered is always a token with the contents the store held at that
 * token, and it is used only while the store still holds that token.
 *
 * The scope guards against writers that know no version key (a replica of
 * an older release during a rolling upgrade): in cluster mode every index
 * write is fenced by the endpoint's lease, so such a writer held the lease
 * in between, and this replica's fence (its scope) has changed since.
 */
export interface IndexMemory {
  /**
   * The index remembered for `endpoint` if it is still the stored one
   * (`token` read from the version key now, under the same `scope`), with
   * this view's writes since applied; undefined when it cannot be trusted.
   * The returned members are never changed afterwards.
   */
  recall(endpoint: string, scope: string, token: string | null): EndpointIndex | undefined;
  /** Keeps an index read whole at `token` (the version key held it both before and after the hash was read). */
  remember(endpoint: string, scope: string, token: string, index: EndpointIndex): void;
  /**
   * Marks the start of a write of the endpoint's index; the returned
   * function is called with the outcome: the token it replaced and the one
   * it set when it landed, undefined when it failed or its outcome is unknown.
   */
  beginWrite(endpoint: string, scope: string, update: IndexUpdate): (landed: { readonly replaced: string | null; readonly token: string } | undefined) => void;
  /** Forgets the endpoint's index (it was deleted). */
  forget(endpoint: string): void;
}

interface Remembered {
  readonly scope: string;
  token: string;
  index: EndpointIndex;
  /** This view's writes since the index was built, applied on the next recall. */
  pending: IndexUpdate[];
}

/** Creates an empty {@link IndexMemory}; each view of the cache has its own. */
export function createIndexMemory(): IndexMemory {
  const remembered = new Map<string, Remembered>();
  return {
    recall(endpoint, scope, token) {
      const kept = remembered.get(endpoint);
      if (kept === undefined || token === null || kept.token !== token || kept.scope !== scope) return undefined;
      if (kept.pending.length > 0) {
        kept.index = withUpdates(kept.index, kept.pending);
        kept.pending = [];
      }
      return kept.index;
    },
    remember(endpoint, scope, token, index) {
      remembered.set(endpoint, { scope, token, index, pending: [] });
    },
    beginWrite(endpoint, scope, update) {
      // Nothing kept, nothing to carry forward: a storm's writes are not copied for nobody. An index kept meanwhile is dropped below.
      const kept = remembered.has(endpoint) ? keptCopy(update) : undefined;
      return (landed) => {
        const known = remembered.get(endpoint);
        if (known === undefined) return;
        if (kept === undefined || landed === undefined || landed.replaced !== known.token || known.scope !== scope) {
          remembered.delete(endpoint);
          return;
        }
        known.token = landed.token;
        known.pending.push(kept);
      };
    },
    forget(endpoint) {
      remembered.delete(endpoint);
    },
  };
}

/**
 * A copy of `update` to keep: made now, because the caller's Maps are its
 * own and may change after the write, and with ids detached from the
 * platform's pages they may have been cut from (an EC2 page is one 1.4 MB
 * string: 100 of them would stay alive through the kept index).
 */
function keptCopy(update: IndexUpdate): IndexUpdate {
  const set = new Map<string, IndexEntry>();
  for (const [platformId, entry] of update.set ?? []) {
    set.set(detachedText(platformId), entry.instanceId === undefined ? entry : { ...entry, instanceId: detachedText(entry.instanceId) });
  }
  return { set, ...(update.remove ? { remove: [...update.remove] } : {}), ...(update.epoch !== undefined ? { epoch: update.epoch } : {}) };
}

/** A new index: `index` with `updates` applied in order (the original is left as it is: a poll may still hold it). */
export function withUpdates(index: EndpointIndex, updates: readonly IndexUpdate[]): EndpointIndex {
  const members = new Map<string, IndexEntry>(index.members);
  let epoch = index.epoch;
  for (const update of updates) {
    for (const [platformId, entry] of update.set ?? []) members.set(platformId, entry);
    for (const platformId of update.remove ?? []) members.delete(platformId);
    if (update.epoch !== undefined) epoch = update.epoch;
  }
  return epoch === undefined ? { members } : { members, epoch };
}
