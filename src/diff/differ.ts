import type { AbsenceFinding } from '../adapter/index.js';
import type { EndpointIndex, IndexUpdate, InstanceRecord, StateCache } from '../cache/index.js';
import { vmStatuses, type VmStatus } from '../normalize/index.js';
import type { DeletionGuardSettings, VanishingVerdict } from './deletion-guard.js';
import { createIdClaims, ownersOf, type IdConflict } from './id-claims.js';
import { recall, type RecalledState } from './recall.js';
import { finishChangeList } from './changes-finish.js';
import { finishFullList } from './full-finish.js';
import { alreadyListed, ListedIds, memberPositionsOf, type MemberPositions } from './listed-ids.js';
import { diffPage } from './pages.js';
import type { PollState } from './poll-state.js';

/** One managed instance as seen in this poll, normalized: the facts a record keeps of it. */
export type Observation = Pick<InstanceRecord, 'platformId' | 'instanceId' | 'status' | 'message' | 'rawState' | 'name'>;

/**
 * Something DCM must be told. A `transition` carries the record to commit
 * once its event is acknowledged; a `resync` re-announces a committed state
 * and commits nothing.
 */
export interface Change {
  readonly kind: 'transition' | 'resync';
  readonly platformId: string;
  readonly instanceId: string;
  readonly status: VmStatus;
  readonly previousStatus: VmStatus | undefined;
  readonly message: string;
  readonly sequence: number;
  readonly observedAt: number;
  /** For transitions: what the cache holds once the event is acknowledged. */
  readonly record?: InstanceRecord;
  /** For confirmed deletions: the platform id leaves the endpoint's index on commit. */
  readonly leavesIndex?: boolean;
}

/** What the platform said about the instances a complete list left out. */
export interface AbsenceCounts {
  /** Asked about this poll. */
  asked: number;
  gone: number;
  present: number;
  unmanaged: number;
  unknown: number;
}

/** What a complete poll decided once every page was delivered: the deletions to publish and the index to record with them. */
export interface PollPlan {
  readonly endpoint: string;
  /** Confirmed deletions. */
  readonly changes: readonly Change[];
  /**
   * The index changes to record before the deletions are published: listed
   * instances back to 0 missed lists, missing ones counted on (the
   * confirmed-gone ones stay until their DELETED is acknowledged), the
   * forgotten ones out, and the epoch. Undefined when nothing changed.
   */
  readonly index: IndexUpdate | undefined;
  readonly counts: PollCounts;
  /** Set when the mass-deletion guard held this poll's deletions. */
  readonly held?: VanishingVerdict;
  /** DCM ids that several listed instances carry: only each one's owner was diffed; the others are set aside. */
  readonly idConflicts?: readonly IdConflict[];
}

export interface PollCounts {
  /** Instances listed (with a valid id), each once however many pages showed it. */
  observed: number;
  /** The observed instances by the status they were listed in. */
  readonly byStatus: Record<VmStatus, number>;
  /** Status changes held back by the debounce window. */
  debounced: number;
  /** Instances missing from this complete list, not (yet) confirmed gone. */
  missing: number;
  readonly absence: AbsenceCounts;
}

/** Settings of the diff stage. */
export interface DifferOptions {
  readonly cache: StateCache;
  /** Consecutive complete lists an instance must be missing from before the platform is asked whether it is gone (invariant 3). */
  readonly deleteAfterMissedLists: number;
  /** At most one transition per instance in this window; 0 = off (invariant 4). */
  readonly debounceMs: number;
  /** When vanishing instances are too many to trust the list. */
  readonly guard: DeletionGuardSettings;
  /**
   * What DCM was told, from its stream: consulted when a poll begins while
   * the endpoint's index is from another cache epoch (so once per epoch,
   * unless that poll fails before committing), to repair what the cache
   * forgot. Without it a new epoch trusts whatever the cache still holds.
   */
  readonly history?: { lastDelivered(endpoint: string): Promise<ReadonlyMap<string, RecalledState>> };
}

/** What {@link PollDiff.finish} needs from the poll: the platform's word, and the operator's. */
export interface AbsenceCheck {
  /** Asks the platform about absent instances (the adapter's `confirmAbsence`, bounded by the poll's signal). */
  confirm(platformIds: readonly string[]): Promise<ReadonlyMap<string, AbsenceFinding>>;
  /** True when an operator confirmed the deletions the guard held for this endpoint. */
  readonly guardReleased: boolean;
}

/** Diffing of one poll: feed pages as they come, then finish once the list is known complete. */
export interface PollDiff {
  /**
   * Set when this poll re-publishes every unchanged state (invariant 5): the
   * round asked for, or the poll's time when the endpoint's states were last
   * published in another cache epoch (the cache was lost or rolled back).
   */
  readonly resyncRound: number | undefined;
  /** Set when this poll began by recalling DCM's stream: instances restored to the cache, and instances dropped because DCM has their DELETED. */
  readonly recalled: { readonly restored: number; readonly forgotten: number } | undefined;
  /**
   * Diffs one page and answers what DCM must hear of it now: new and
   * changed instances, and resyncs. They may be delivered before the next
   * page is listed; {@link finish} expects them all acknowledged.
   */
  addPage(observations: readonly Observation[]): Promise<Change[]>;
  /**
   * Instances listed but not publishable (invalid ids, no state now): present, so never "missing".
   * @returns how many of them this poll had not listed before.
   */
  markPresent(platformIds: Iterable<string>): number;
  /**
   * Call only after a complete, successful listing whose page changes were
   * all acknowledged. Instances missing long enough are confirmed with the
   * platform; only the `gone` ones become DELETED, and none while the
   * mass-deletion guard holds.
   */
  finish(absence: AbsenceCheck): Promise<PollPlan>;
  /**
   * The finish of an incremental listing (only what changed was listed):
   * call after every page's changes were acknowledged. An instance it does
   * not show is unchanged, not absent. Tracked instances the platform
   * reported deleted become DELETED at once; tracked instances that departed
   * are confirmed with the platform at once (only `gone` is DELETED; the
   * mass-deletion guard applies as to absences). An instance missing from the
   * last full list and not shown since counts this listing as one more
   * missed list, and is confirmed once `deleteAfterMissedLists` is reached;
   * one whose confirmation could not tell is asked again by the next poll.
   * A resync round re-publishes every other tracked state from the
   * committed records.
   */
  finishChanges(changes: ListedChanges, absence: AbsenceCheck): Promise<PollPlan>;
}

/** What an incremental listing reported besides changed instances (see `ChangePage`). */
export interface ListedChanges {
  /** Authoritative deletions: platform id → the platform's words. */
  readonly deleted: ReadonlyMap<string, string>;
  /** Platform ids that may have left the endpoint's scope. */
  readonly departed: ReadonlySet<string>;
}

/**
 * The diff stage: observations + what DCM was last told (the index's
 * summary of each member, the committed records where a change needs them;
 * the outbox is flushed before a poll diffs) → changes.
 */
export interface Differ {
  begin(endpoint: string, options: { observedAt: number; epoch: string; resyncRound?: number }): Promise<PollDiff>;
}

/** Creates the {@link Differ} over a {@link StateCache}. */
export function createDiffer(options: DifferOptions): Differ {
  // The cache hands out the same members while the index is unchanged (it is never changed afterwards), so their owners and positions are worked out once.
  const rosters = new WeakMap<EndpointIndex['members'], { readonly ownership: ReturnType<typeof ownersOf>; readonly positions: MemberPositions }>();
  return {
    async begin(endpoint, poll) {
      const { index, recalled } = await indexAsDcmKnowsIt(options, endpoint, poll.epoch);
      const members = index.members;
      // An index without an epoch but with members was written before epochs existed: its states count as another epoch's.
      const epochChanged = index.epoch !== poll.epoch && (index.epoch !== undefined || members.size > 0);
      const resyncRound = poll.resyncRound ?? (epochChanged ? poll.observedAt : undefined);
      let roster = rosters.get(members);
      if (roster === undefined) {
        roster = { ownership: ownersOf(members), positions: memberPositionsOf(members) };
        rosters.set(members, roster);
      }
      const { owners, shared: idsShared } = roster.ownership;
      const state: PollState = {
        endpoint,
        cache: options.cache,
        deleteAfterMissedLists: options.deleteAfterMissedLists,
        debounceMs: options.debounceMs,
        guard: options.guard,
        observedAt: poll.observedAt,
        observedTime: new Date(poll.observedAt).toISOString(),
        epoch: poll.epoch,
        index,
        epochChanged,
        resync: resyncRound !== undefined,
        listedIds: new ListedIds(roster.positions),
        presentOnly: new Set(),
        rewritten: new Map(),
        claims: createIdClaims(owners),
        idsShared,
        counts: { observed: 0, byStatus: zeroPerStatus(), debounced: 0, missing: 0, absence: { asked: 0, gone: 0, present: 0, unmanaged: 0, unknown: 0 } },
      };
      return {
        resyncRound,
        recalled,
        addPage: (observations) => diffPage(state, observations),
        markPresent(platformIds) {
          let listedNow = 0;
          for (const platformId of platformIds) {
            if (state.listedIds.list(platformId) !== alreadyListed) listedNow++;
            state.presentOnly.add(platformId);
          }
          return listedNow;
        },
        finish: (absence) => finishFullList(state, absence),
        finishChanges: (listed, absence) => finishChangeList(state, listed, absence),
      };
    },
  };
}

/** A count of 0 for every VM status. */
function zeroPerStatus(): Record<VmStatus, number> {
  return Object.fromEntries(vmStatuses.map((status) => [status, 0])) as Record<VmStatus, number>;
}

/**
 * The endpoint's index; when it is from another cache epoch and DCM's stream
 * can be read, first repaired from what DCM was told ({@link recall}).
 */
async function indexAsDcmKnowsIt(options: DifferOptions, endpoint: string, epoch: string): Promise<{ index: EndpointIndex; recalled: PollDiff['recalled'] }> {
  const { cache } = options;
  // Remembered between polls: an unchanged index is not read again (src/cache/index-memory.ts).
  const index = await cache.readIndex(endpoint, { remember: true });
  if (!options.history || index.epoch === epoch) return { index, recalled: undefined };
  const delivered = await options.history.lastDelivered(endpoint);
  const platformIds = [...delivered.keys()];
  const records = await cache.readInstances(endpoint, platformIds);
  const cached = new Map(platformIds.flatMap((platformId, position) => (records[position] ? [[platformId, records[position]] as const] : [])));
  const recollection = recall(index, cached, delivered);
  // Written before anything is diffed or published, so a crash after it leaves the repaired memory, never half of it.
  if (recollection.records.length > 0 || recollection.update.set.size > 0 || recollection.update.remove.length > 0) {
    await cache.writeState(endpoint, { records: recollection.records, index: recollection.update });
  }
  return { index: recollection.index, recalled: { restored: recollection.restored, forgotten: recollection.forgotten } };
}
