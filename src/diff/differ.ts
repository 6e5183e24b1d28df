import type { AbsenceFinding } from '../adapter/index.js';
import type { IndexEntry, IndexUpdate, InstanceRecord, StateCache } from '../cache/index.js';
import type { VmStatus } from '../normalize/index.js';
import { judgeVanishing, type DeletionGuardSettings, type VanishingVerdict } from './deletion-guard.js';
import { createIdClaims, ownersOf, type IdConflict } from './id-claims.js';
import { recall, type RecalledState } from './recall.js';

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
  /** Instances listed (with a valid id). */
  observed: number;
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
  /** Instances listed but not publishable (invalid ids, no state now): present, so never "missing". */
  markPresent(platformIds: Iterable<string>): void;
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

const rfc3339 = (epochMs: number): string => new Date(epochMs).toISOString();

/** Creates the {@link Differ} over a {@link StateCache}. */
export function createDiffer(options: DifferOptions): Differ {
  const { cache, deleteAfterMissedLists, debounceMs } = options;

  return {
    async begin(endpoint, poll) {
      let index = await cache.readIndex(endpoint);
      let recalled: PollDiff['recalled'];
      if (options.history && index.epoch !== poll.epoch) {
        const delivered = await options.history.lastDelivered(endpoint);
        const platformIds = [...delivered.keys()];
        const records = await cache.readInstances(endpoint, platformIds);
        const cached = new Map(platformIds.flatMap((platformId, position) => (records[position] ? [[platformId, records[position]] as const] : [])));
        const recollection = recall(index, cached, delivered);
        // Written before anything is diffed or published, so a crash after it leaves the repaired memory, never half of it.
        if (recollection.records.length > 0 || recollection.update.set.size > 0 || recollection.update.remove.length > 0) {
          await cache.writeState(endpoint, { records: recollection.records, index: recollection.update });
        }
        index = recollection.index;
        recalled = { restored: recollection.restored, forgotten: recollection.forgotten };
      }
      const members = index.members;
      // An index without an epoch but with members was written before epochs existed: its states count as another epoch's.
      const epochChanged = index.epoch !== poll.epoch && (index.epoch !== undefined || members.size > 0);
      const resyncRound = poll.resyncRound ?? (epochChanged ? poll.observedAt : undefined);
      const seen = new Set<string>();
      const { owners, shared: idsShared } = ownersOf(members);
      const claims = createIdClaims(owners);
      /**
       * Index entries the finish writes for listed instances whose entry no commit rewrites: members
       * back from missing, and instances with a record the index lost. Transitions commit their own.
       */
      const rewritten = new Map<string, IndexEntry>();
      /** Listed, but DCM hears nothing of them this poll (invalid ids, no state now). */
      const presentOnly = new Set<string>();
      const counts: PollCounts = { observed: 0, debounced: 0, missing: 0, absence: { asked: 0, gone: 0, present: 0, unmanaged: 0, unknown: 0 } };
      const resync = resyncRound !== undefined;
      const observedTime = rfc3339(poll.observedAt);
      // In a new epoch the records may be older than what DCM was told (a rolled-back snapshot), so a
      // change is announced without a previous status: a stale one would repeat a transition DCM already had.
      const previousStatusOf = (record: InstanceRecord | undefined): VmStatus | undefined => (epochChanged ? undefined : record?.status);

      const transition = (observation: Observation, previous: InstanceRecord | undefined): Change => {
        const sequence = (previous?.sequence ?? 0) + 1;
        const statusChanged = previous?.status !== observation.status;
        return {
          kind: 'transition',
          platformId: observation.platformId,
          instanceId: observation.instanceId,
          status: observation.status,
          previousStatus: previousStatusOf(previous),
          message: observation.message,
          sequence,
          observedAt: poll.observedAt,
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
      };

      const resyncOf = (record: InstanceRecord): Change => ({
        kind: 'resync',
        platformId: record.platformId,
        instanceId: record.instanceId,
        status: record.status,
        previousStatus: undefined,
        message: record.message,
        sequence: record.sequence,
        observedAt: poll.observedAt,
      });

      /** `how`: the grounds, e.g. `absent from the list and the platform confirms it (…)`. */
      const deletion = (record: InstanceRecord, how: string): Change => {
        const sequence = record.sequence + 1;
        const message = `VM ${record.name ?? record.platformId} is gone: ${how}`;
        return {
          kind: 'transition',
          platformId: record.platformId,
          instanceId: record.instanceId,
          status: 'DELETED',
          previousStatus: previousStatusOf(record),
          message,
          sequence,
          observedAt: poll.observedAt,
          leavesIndex: true,
          record: { ...record, status: 'DELETED', message, sequence, observedTime, lastTransitionTime: observedTime },
        };
      };

      /** Judges one observation against its record (read only when the index's summary could not tell). */
      const judge = (observation: Observation, previous: InstanceRecord | undefined, changes: Change[]): void => {
        const differs = !previous || previous.status !== observation.status || previous.instanceId !== observation.instanceId;
        const entry = members.get(observation.platformId);
        const held = differs && previous !== undefined && debounceMs > 0 && poll.observedAt - Date.parse(previous.lastTransitionTime) < debounceMs;
        if (differs && !held) {
          if (entry !== undefined && entry.missedLists > 0) rewritten.set(observation.platformId, { missedLists: 0, instanceId: observation.instanceId, status: observation.status });
          changes.push(transition(observation, previous));
          return;
        }
        // Unchanged for DCM (or held back): the entry keeps what DCM was told.
        if (entry === undefined || entry.missedLists > 0 || entry.status !== previous.status || entry.instanceId !== previous.instanceId) {
          rewritten.set(observation.platformId, { missedLists: 0, instanceId: previous.instanceId, status: previous.status });
        }
        if (held) counts.debounced++;
        if (resync) changes.push(resyncOf(previous));
      };

      /** Index entries every finish writes for what was listed: members back from missing, present-only instances, ids set aside. */
      const listedEntries = () => {
        const set = new Map<string, IndexEntry>(rewritten);
        const remove: string[] = [];
        for (const platformId of presentOnly) {
          const entry = members.get(platformId);
          if (entry === undefined || entry.missedLists > 0) set.set(platformId, { ...entry, missedLists: 0 });
        }
        // Claimed by another instance: listed, but DCM hears nothing of it, so it owns no id.
        const idConflicts = claims.conflicts();
        for (const conflict of idConflicts) for (const platformId of conflict.setAside) set.set(platformId, { missedLists: 0 });
        return { set, remove, idConflicts };
      };

      const readRecords = async (platformIds: readonly string[]): Promise<Map<string, InstanceRecord>> => {
        if (platformIds.length === 0) return new Map();
        const found = await cache.readInstances(endpoint, platformIds);
        return new Map(platformIds.flatMap((platformId, position) => (found[position] ? [[platformId, found[position]] as const] : [])));
      };

      const planOf = (changes: Change[], set: Map<string, IndexEntry>, remove: string[], epoch: string | undefined, vanishing: VanishingVerdict, idConflicts: readonly IdConflict[]): PollPlan => {
        const update: IndexUpdate | undefined = set.size > 0 || remove.length > 0 || epoch !== undefined ? { set, remove, ...(epoch !== undefined ? { epoch } : {}) } : undefined;
        return { endpoint, changes, index: update, counts, ...(vanishing.hold ? { held: vanishing } : {}), ...(idConflicts.length > 0 ? { idConflicts } : {}) };
      };

      return {
        resyncRound,
        recalled,
        async addPage(observations) {
          const changes: Change[] = [];
          const needRecords: Observation[] = [];
          for (const observation of observations) {
            if (seen.has(observation.platformId)) continue;
            seen.add(observation.platformId);
            counts.observed++;
            const entry = members.get(observation.platformId);
            // A live entry carrying this id owns it unless the index has ids several entries carry (see ownersOf).
            const ownsItsId = !idsShared && entry?.instanceId === observation.instanceId && entry.status !== 'DELETED';
            if (!ownsItsId && !claims.claim(observation.instanceId, observation.platformId)) continue;
            // The steady state of a large estate: the index already says DCM holds this state, no record is read.
            if (!resync && entry?.status === observation.status && entry.instanceId === observation.instanceId) {
              if (entry.missedLists > 0) rewritten.set(observation.platformId, { ...entry, missedLists: 0 });
              continue;
            }
            needRecords.push(observation);
          }
          if (needRecords.length === 0) return changes;
          const records = await cache.readInstances(endpoint, needRecords.map((observation) => observation.platformId));
          needRecords.forEach((observation, position) => judge(observation, records[position], changes));
          return changes;
        },

        markPresent(platformIds) {
          for (const platformId of platformIds) {
            seen.add(platformId);
            presentOnly.add(platformId);
          }
        },

        async finish(absence) {
          const { set, remove, idConflicts } = listedEntries();

          const missing: Array<{ platformId: string; entry: IndexEntry; missedLists: number }> = [];
          for (const [platformId, entry] of members) {
            if (seen.has(platformId)) continue;
            // Never told to DCM (its state, or its id, was never published), or already reported DELETED
            // (an authoritative signal): nothing to confirm, just forget it.
            if (entry.status === undefined || entry.status === 'DELETED') remove.push(platformId);
            else missing.push({ platformId, entry, missedLists: entry.missedLists + 1 });
          }

          const vanishing = judgeVanishing({ known: members.size, vanished: missing.length, released: absence.guardReleased }, options.guard);
          const due = vanishing.hold ? [] : missing.filter((absent) => absent.missedLists >= deleteAfterMissedLists);
          const dueRecords = await cache.readInstances(endpoint, due.map((absent) => absent.platformId));
          const recordOf = new Map(due.flatMap((absent, position) => (dueRecords[position] ? [[absent.platformId, dueRecords[position]] as const] : [])));
          // A live record is what makes an absence worth asking about; without one there is nothing to confirm (below).
          const askable = due.filter((absent) => (recordOf.get(absent.platformId)?.status ?? 'DELETED') !== 'DELETED');
          const findings = askable.length > 0 ? await askPlatform(absence, askable.map((absent) => absent.platformId)) : new Map<string, AbsenceFinding>();
          counts.absence.asked = askable.length;

          const changes: Change[] = [];
          for (const { platformId, entry, missedLists } of missing) {
            const isDue = missedLists >= deleteAfterMissedLists && !vanishing.hold;
            const record = recordOf.get(platformId);
            // Due, but no live record: DCM already has its DELETED, or the cache lost it; nothing to confirm.
            if (isDue && (!record || record.status === 'DELETED')) {
              remove.push(platformId);
              continue;
            }
            const finding = findings.get(platformId);
            const verdict = finding?.verdict ?? (isDue ? 'unknown' : undefined);
            if (verdict !== undefined) counts.absence[verdict]++;
            if (verdict === 'gone' && finding && record) {
              // Kept in the index until DCM acknowledged the deletion, so an unacknowledged one is retried.
              set.set(platformId, { ...entry, missedLists });
              changes.push(deletion(record, `absent from the list and the platform confirms it (${finding.evidence})`));
            } else if (verdict === 'present') {
              set.set(platformId, { ...entry, missedLists: 0 });
            } else if (verdict === 'unmanaged') {
              remove.push(platformId);
            } else {
              set.set(platformId, { ...entry, missedLists });
              counts.missing++;
            }
          }

          const epoch = index.epoch !== poll.epoch ? poll.epoch : undefined;
          return planOf(changes, set, remove, epoch, vanishing, idConflicts);
        },

        async finishChanges(listed, absence) {
          const { set, remove, idConflicts } = listedEntries();
          const changes: Change[] = [];
          // Only instances DCM tracks and this listing did not show alive.
          const tracked = (platformId: string): boolean => members.has(platformId) && !seen.has(platformId);
          const deleted = [...listed.deleted.keys()].filter(tracked);
          const departed = [...listed.departed].filter((platformId) => tracked(platformId) && !listed.deleted.has(platformId));
          const told = (platformId: string): boolean => {
            const status = members.get(platformId)?.status;
            return status !== undefined && status !== 'DELETED';
          };
          // Never told to DCM, or already reported DELETED: nothing to announce, just forget it.
          for (const platformId of [...deleted, ...departed]) if (!told(platformId)) remove.push(platformId);
          const live = (ids: readonly string[]) => ids.filter(told);
          const liveDeleted = live(deleted);
          // Missing from the last full list and not shown since: an incremental listing is the next look, so it
          // counts as a missed list (else a VM deleted just before a full list would wait for the next one).
          const dueDoubtful: string[] = [];
          for (const [platformId, entry] of members) {
            if (entry.missedLists === 0 || seen.has(platformId) || listed.deleted.has(platformId) || listed.departed.has(platformId) || !told(platformId)) continue;
            if (entry.missedLists + 1 >= deleteAfterMissedLists) dueDoubtful.push(platformId);
            else set.set(platformId, { ...entry, missedLists: entry.missedLists + 1 });
          }
          const liveDeparted = [...live(departed), ...dueDoubtful];
          const records = await readRecords([...liveDeleted, ...liveDeparted]);
          /** A tracked instance whose record DCM has not heard DELETED for; without one there is nothing to announce. */
          const announceable = (platformId: string): InstanceRecord | undefined => {
            const record = records.get(platformId);
            if (record && record.status !== 'DELETED') return record;
            remove.push(platformId);
            return undefined;
          };

          for (const platformId of liveDeleted) {
            const record = announceable(platformId);
            if (!record) continue;
            // Kept in the index until DCM acknowledged the deletion, so an unacknowledged one is retried.
            set.set(platformId, members.get(platformId) as IndexEntry);
            changes.push(deletion(record, `the platform reports it deleted (${listed.deleted.get(platformId) ?? ''})`));
          }

          const vanishing = judgeVanishing({ known: members.size, vanished: liveDeparted.length, released: absence.guardReleased }, options.guard);
          const askable = vanishing.hold ? [] : liveDeparted.filter((platformId) => announceable(platformId) !== undefined);
          const findings = askable.length > 0 ? await askPlatform(absence, askable) : new Map<string, AbsenceFinding>();
          counts.absence.asked = askable.length;
          for (const platformId of liveDeparted) {
            const entry = members.get(platformId) as IndexEntry;
            const finding = findings.get(platformId);
            const verdict = vanishing.hold ? undefined : (finding?.verdict ?? (askable.includes(platformId) ? 'unknown' : undefined));
            if (verdict !== undefined) counts.absence[verdict]++;
            const record = records.get(platformId);
            if (verdict === 'gone' && finding && record) {
              set.set(platformId, entry);
              changes.push(deletion(record, `it left the platform's listing and the platform confirms it (${finding.evidence})`));
            } else if (verdict === 'unmanaged') {
              remove.push(platformId);
            } else if (verdict === 'present') {
              if (entry.missedLists > 0) set.set(platformId, { ...entry, missedLists: 0 });
            } else if (!remove.includes(platformId)) {
              // Unknown, or held by the guard: its last state stands, and it counts as missed so the next poll asks again.
              set.set(platformId, { ...entry, missedLists: entry.missedLists + 1 });
              counts.missing++;
            }
          }

          if (resync) {
            // What DCM must hear again is what the cache committed: only changes were listed.
            const unchanged = [...members].filter(([platformId, entry]) => !seen.has(platformId) && !listed.deleted.has(platformId) && !listed.departed.has(platformId) && entry.status !== undefined && entry.status !== 'DELETED');
            const committed = await readRecords(unchanged.map(([platformId]) => platformId));
            for (const [platformId] of unchanged) {
              const record = committed.get(platformId);
              if (record && record.status !== 'DELETED') changes.push(resyncOf(record));
            }
          }
          return planOf(changes, set, remove, undefined, vanishing, idConflicts);
        },
      };
    },
  };
}

/** The platform's findings; a platform that cannot be asked at all leaves every verdict unknown. */
async function askPlatform(absence: AbsenceCheck, platformIds: readonly string[]): Promise<ReadonlyMap<string, AbsenceFinding>> {
  try {
    return await absence.confirm(platformIds);
  } catch {
    return new Map();
  }
}
