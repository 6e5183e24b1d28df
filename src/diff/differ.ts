import type { AbsenceFinding } from '../adapter/index.js';
import type { EndpointIndex, InstanceRecord, StateCache } from '../cache/index.js';
import type { VmStatus } from '../normalize/index.js';
import { judgeVanishing, type DeletionGuardSettings, type VanishingVerdict } from './deletion-guard.js';
import { createIdClaims, type IdConflict } from './id-claims.js';
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

/** Everything a complete poll decided, to record, publish and then commit. */
export interface PollPlan {
  readonly endpoint: string;
  readonly changes: readonly Change[];
  /**
   * The index to record before publishing: every instance listed, every
   * instance still missing, and the confirmed-gone ones until their DELETED
   * is acknowledged. Undefined when it did not change.
   */
  readonly index: EndpointIndex | undefined;
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

/** Diffing of one poll: feed pages, then finish once the list is known complete. */
export interface PollDiff {
  /**
   * Set when this poll re-publishes every unchanged state (invariant 5): the
   * round asked for, or the poll's time when the endpoint's states were last
   * published in another cache epoch (the cache was lost or rolled back).
   */
  readonly resyncRound: number | undefined;
  /** Set when this poll began by recalling DCM's stream: instances restored to the cache, and instances dropped because DCM has their DELETED. */
  readonly recalled: { readonly restored: number; readonly forgotten: number } | undefined;
  addPage(observations: readonly Observation[]): Promise<void>;
  /** Instances listed but not publishable (invalid ids, no state now): present, so never "missing". */
  markPresent(platformIds: Iterable<string>): void;
  /**
   * Call only after a complete, successful listing. Instances missing long
   * enough are confirmed with the platform; only the `gone` ones become
   * DELETED, and none while the mass-deletion guard holds.
   */
  finish(absence: AbsenceCheck): Promise<PollPlan>;
}

/**
 * The diff stage: observations + what DCM was last told (the committed
 * records; the outbox is flushed before a poll diffs) → changes.
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
        if (recollection.restored + recollection.forgotten > 0 || recollection.records.length > 0) await cache.writeState(endpoint, { records: recollection.records, index: recollection.index });
        index = recollection.index;
        recalled = { restored: recollection.restored, forgotten: recollection.forgotten };
      }
      // An index without an epoch but with members was written before epochs existed: its states count as another epoch's.
      const epochChanged = index.epoch !== poll.epoch && (index.epoch !== undefined || Object.keys(index.members).length > 0);
      const resyncRound = poll.resyncRound ?? (epochChanged ? poll.observedAt : undefined);
      const changes: Change[] = [];
      const seen = new Set<string>();
      const claims = createIdClaims();
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

      const deletion = (record: InstanceRecord, finding: AbsenceFinding): Change => {
        const sequence = record.sequence + 1;
        const message = `VM ${record.name ?? record.platformId} is gone: absent from the list and the platform confirms it (${finding.evidence})`;
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

      return {
        resyncRound,
        recalled,
        async addPage(observations) {
          const fresh = observations.filter((observation) => !seen.has(observation.platformId));
          for (const observation of fresh) seen.add(observation.platformId);
          counts.observed += fresh.length;
          const records = await cache.readInstances(endpoint, fresh.map((observation) => observation.platformId));
          fresh.forEach((observation, index) => {
            const previous = records[index];
            claims.claim(observation.instanceId, observation.platformId, previous !== undefined && previous.status !== 'DELETED' && previous.instanceId === observation.instanceId);
            const differs = !previous || previous.status !== observation.status || previous.instanceId !== observation.instanceId;
            if (!differs) {
              if (resync) changes.push(resyncOf(previous));
              return;
            }
            const held = previous && debounceMs > 0 && poll.observedAt - Date.parse(previous.lastTransitionTime) < debounceMs;
            if (held) {
              counts.debounced++;
              if (resync) changes.push(resyncOf(previous));
              return;
            }
            changes.push(transition(observation, previous));
          });
        },

        markPresent(platformIds) {
          for (const platformId of platformIds) seen.add(platformId);
        },

        async finish(absence) {
          const members: Record<string, number> = {};
          let indexChanged = index.epoch !== poll.epoch;
          for (const platformId of seen) {
            members[platformId] = 0;
            if (index.members[platformId] !== 0) indexChanged = true;
          }

          const missingIds = Object.keys(index.members).filter((platformId) => !seen.has(platformId));
          const missingRecords = await cache.readInstances(endpoint, missingIds);
          const missing: Array<{ record: InstanceRecord; missedLists: number }> = [];
          missingIds.forEach((platformId, position) => {
            indexChanged = true;
            const record = missingRecords[position];
            // Already reported DELETED (an authoritative signal), or never told to DCM: nothing to confirm, just forget it.
            if (!record || record.status === 'DELETED') return;
            missing.push({ record, missedLists: (index.members[platformId] ?? 0) + 1 });
          });

          const vanishing = judgeVanishing({ known: Object.keys(index.members).length, vanished: missing.length, released: absence.guardReleased }, options.guard);
          const due = vanishing.hold ? [] : missing.filter((entry) => entry.missedLists >= deleteAfterMissedLists);
          const findings = due.length > 0 ? await askPlatform(absence, due.map((entry) => entry.record.platformId)) : new Map<string, AbsenceFinding>();
          counts.absence.asked = due.length;

          for (const { record, missedLists } of missing) {
            const finding = findings.get(record.platformId);
            const verdict = finding?.verdict ?? (missedLists >= deleteAfterMissedLists && !vanishing.hold ? 'unknown' : undefined);
            if (verdict !== undefined) counts.absence[verdict]++;
            if (verdict === 'gone' && finding) {
              // Kept in the index until DCM acknowledged the deletion, so an unacknowledged one is retried.
              members[record.platformId] = missedLists;
              changes.push(deletion(record, finding));
            } else if (verdict === 'present') {
              members[record.platformId] = 0;
            } else if (verdict !== 'unmanaged') {
              members[record.platformId] = missedLists;
              counts.missing++;
            }
          }

          // One DCM id, one instance: the others stay listed (never missing) but DCM hears nothing of them.
          const idConflicts = claims.settle();
          const setAside = new Set(idConflicts.flatMap((conflict) => conflict.setAside));
          const told = setAside.size === 0 ? changes : changes.filter((change) => !setAside.has(change.platformId));
          return { endpoint, changes: told, index: indexChanged ? { members, epoch: poll.epoch } : undefined, counts, ...(vanishing.hold ? { held: vanishing } : {}), ...(idConflicts.length > 0 ? { idConflicts } : {}) };
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
