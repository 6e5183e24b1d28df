import type { AbsenceFinding } from '../adapter/index.js';
import type { EndpointIndex, IndexEntry, IndexUpdate, InstanceRecord, StateCache } from '../cache/index.js';
import type { VmStatus } from '../normalize/index.js';
import type { DeletionGuardSettings, VanishingVerdict } from './deletion-guard.js';
import type { IdClaims, IdConflict } from './id-claims.js';
import type { ListedIds } from './listed-ids.js';
import type { AbsenceCheck, Change, Observation, PollCounts, PollPlan } from './differ.js';

/**
 * What one poll's diff knows and gathers between `begin` and its finish,
 * shared by the steps that make it up (pages, full finish, incremental
 * finish). Internal to the diff stage.
 */
export interface PollState {
  readonly endpoint: string;
  readonly cache: StateCache;
  readonly deleteAfterMissedLists: number;
  readonly debounceMs: number;
  readonly guard: DeletionGuardSettings;
  readonly observedAt: number;
  /** `observedAt` in RFC 3339, as records keep it. */
  readonly observedTime: string;
  /** The cache epoch the poll runs in. */
  readonly epoch: string;
  /** The endpoint's index as the poll began (after any recall). */
  readonly index: EndpointIndex;
  /** The index's states are another epoch's: changes are announced without a previous status. */
  readonly epochChanged: boolean;
  /** This poll re-publishes every unchanged state. */
  readonly resync: boolean;
  /** Platform ids listed so far, publishable or not. */
  readonly listedIds: ListedIds;
  /** Listed, but DCM hears nothing of them this poll (invalid ids, no state now). */
  readonly presentOnly: Set<string>;
  /**
   * Index entries the finish writes for listed instances whose entry no commit rewrites: members
   * back from missing, and instances with a record the index lost. Transitions commit their own.
   */
  readonly rewritten: Map<string, IndexEntry>;
  readonly claims: IdClaims;
  /** Some DCM id is carried by several index entries (see `ownersOf`). */
  readonly idsShared: boolean;
  readonly counts: PollCounts;
}

// In a new epoch the records may be older than what DCM was told (a rolled-back snapshot), so a
// change is announced without a previous status: a stale one would repeat a transition DCM already had.
const previousStatusOf = (state: PollState, record: InstanceRecord | undefined): VmStatus | undefined => (state.epochChanged ? undefined : record?.status);

/** The transition that tells DCM of `observation`, and the record to commit once it is acknowledged. */
export function transitionOf(state: PollState, observation: Observation, previous: InstanceRecord | undefined): Change {
  const sequence = (previous?.sequence ?? 0) + 1;
  const statusChanged = previous?.status !== observation.status;
  const { observedTime } = state;
  return {
    kind: 'transition',
    platformId: observation.platformId,
    instanceId: observation.instanceId,
    status: observation.status,
    previousStatus: previousStatusOf(state, previous),
    message: observation.message,
    sequence,
    observedAt: state.observedAt,
    record: {
      platformId: observation.platformId,
      instanceId: observation.instanceId,
      status: observation.status,
      message: observation.message,
      rawState: observation.rawState,
      ...(observation.name !== undefined ? { name: observation.name } : {}),
      sequence,
      observedTime,
      lastTransitionTime: statusChanged || !previous ? observedTime : previous.lastTransitionTime,
    },
  };
}

/** A committed state announced again; it commits nothing. */
export function resyncOf(state: PollState, record: InstanceRecord): Change {
  return {
    kind: 'resync',
    platformId: record.platformId,
    instanceId: record.instanceId,
    status: record.status,
    previousStatus: undefined,
    message: record.message,
    sequence: record.sequence,
    observedAt: state.observedAt,
  };
}

/** A confirmed deletion; `how` gives the grounds, e.g. `absent from the list and the platform confirms it (…)`. */
export function deletionOf(state: PollState, record: InstanceRecord, how: string): Change {
  const sequence = record.sequence + 1;
  const message = `VM ${record.name ?? record.platformId} is gone: ${how}`;
  const { observedTime } = state;
  return {
    kind: 'transition',
    platformId: record.platformId,
    instanceId: record.instanceId,
    status: 'DELETED',
    previousStatus: previousStatusOf(state, record),
    message,
    sequence,
    observedAt: state.observedAt,
    leavesIndex: true,
    record: { ...record, status: 'DELETED', message, sequence, observedTime, lastTransitionTime: observedTime },
  };
}

/** Index entries every finish writes for what was listed: members back from missing, present-only instances, ids set aside. */
export function listedEntries(state: PollState): { set: Map<string, IndexEntry>; remove: string[]; idConflicts: IdConflict[] } {
  const set = new Map<string, IndexEntry>(state.rewritten);
  const remove: string[] = [];
  for (const platformId of state.presentOnly) {
    const entry = state.index.members.get(platformId);
    if (entry === undefined || entry.missedLists > 0) set.set(platformId, { ...entry, missedLists: 0 });
  }
  // Claimed by another instance: listed, but DCM hears nothing of it, so it owns no id.
  const idConflicts = state.claims.conflicts();
  for (const conflict of idConflicts) for (const platformId of conflict.setAside) set.set(platformId, { missedLists: 0 });
  return { set, remove, idConflicts };
}

/** The committed records of `platformIds` that exist, by platform id. */
export async function readRecords(state: PollState, platformIds: readonly string[]): Promise<Map<string, InstanceRecord>> {
  if (platformIds.length === 0) return new Map();
  const found = await state.cache.readInstances(state.endpoint, platformIds);
  return new Map(platformIds.flatMap((platformId, position) => (found[position] ? [[platformId, found[position]] as const] : [])));
}

/** The plan a finish hands back; the index update is left out when it changes nothing. */
export function planOf(state: PollState, changes: Change[], set: Map<string, IndexEntry>, remove: string[], epoch: string | undefined, vanishing: VanishingVerdict, idConflicts: readonly IdConflict[]): PollPlan {
  const update: IndexUpdate | undefined = set.size > 0 || remove.length > 0 || epoch !== undefined ? { set, remove, ...(epoch !== undefined ? { epoch } : {}) } : undefined;
  return { endpoint: state.endpoint, changes, index: update, counts: state.counts, ...(vanishing.hold ? { held: vanishing } : {}), ...(idConflicts.length > 0 ? { idConflicts } : {}) };
}

/** The platform's findings; a platform that cannot be asked at all leaves every verdict unknown. */
export async function askPlatform(absence: AbsenceCheck, platformIds: readonly string[]): Promise<ReadonlyMap<string, AbsenceFinding>> {
  try {
    return await absence.confirm(platformIds);
  } catch {
    return new Map();
  }
}
