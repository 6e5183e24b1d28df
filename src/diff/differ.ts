import type { EndpointIndex, InstanceRecord, StateCache } from '../cache/index.js';
import type { VmStatus } from '../normalize/index.js';

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
  /** For absence deletions: the platform id leaves the endpoint's index on commit. */
  readonly leavesIndex?: boolean;
}

/** Everything a complete poll decided, to publish and then commit. */
export interface PollPlan {
  readonly endpoint: string;
  readonly changes: readonly Change[];
  /** The index after this poll, assuming every change is acknowledged. */
  readonly nextIndex: EndpointIndex;
  readonly indexChanged: boolean;
  readonly counts: PollCounts;
}

export interface PollCounts {
  /** Instances listed (with a valid id). */
  observed: number;
  /** Status changes held back by the debounce window. */
  debounced: number;
  /** Instances counted missing from this complete list but not yet deleted. */
  missing: number;
}

/** Settings of the diff stage. */
export interface DifferOptions {
  readonly cache: StateCache;
  /** Consecutive complete lists an instance must be missing from before DELETED (invariant 3). */
  readonly deleteAfterMissedLists: number;
  /** At most one transition per instance in this window; 0 = off (invariant 4). */
  readonly debounceMs: number;
}

/** Diffing of one poll: feed pages, then finish once the list is known complete. */
export interface PollDiff {
  addPage(observations: readonly Observation[]): Promise<void>;
  /** Counts instances listed but not publishable (invalid ids): present, so never "missing". */
  markPresent(platformIds: Iterable<string>): void;
  /** Call only after a complete, successful listing: absence counts feed deletions. */
  finish(): Promise<PollPlan>;
}

/**
 * The diff stage: observations + cached state → changes; and the commit after
 * the acks, in two steps so a large poll can commit chunk by chunk.
 */
export interface Differ {
  begin(endpoint: string, options: { observedAt: number; resyncRound?: number }): PollDiff;
  /** Writes the records of acknowledged transitions (call once per published chunk). */
  commitTransitions(endpoint: string, acknowledged: readonly Change[]): Promise<void>;
  /**
   * Writes the endpoint's index after the poll. Absence deletions whose event
   * was not acknowledged stay members, so the next complete list retries them.
   */
  commitIndex(plan: PollPlan, acknowledgedDeletions: ReadonlySet<string>): Promise<void>;
}

const rfc3339 = (epochMs: number): string => new Date(epochMs).toISOString();

/** Creates the {@link Differ} over a {@link StateCache}. */
export function createDiffer(options: DifferOptions): Differ {
  const { cache, deleteAfterMissedLists, debounceMs } = options;

  return {
    begin(endpoint, poll) {
      const changes: Change[] = [];
      const seen = new Set<string>();
      const counts: PollCounts = { observed: 0, debounced: 0, missing: 0 };
      const resync = poll.resyncRound !== undefined;

      const transition = (observation: Observation, previous: InstanceRecord | undefined): Change => {
        const sequence = (previous?.sequence ?? 0) + 1;
        const statusChanged = previous?.status !== observation.status;
        const observedTime = rfc3339(poll.observedAt);
        return {
          kind: 'transition',
          platformId: observation.platformId,
          instanceId: observation.instanceId,
          status: observation.status,
          previousStatus: previous?.status,
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

      return {
        async addPage(observations) {
          const fresh = observations.filter((observation) => !seen.has(observation.platformId));
          for (const observation of fresh) seen.add(observation.platformId);
          counts.observed += fresh.length;
          const records = await cache.readInstances(endpoint, fresh.map((observation) => observation.platformId));
          fresh.forEach((observation, index) => {
            const previous = records[index];
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

        async finish() {
          const index = await cache.readIndex(endpoint);
          const members: Record<string, number> = {};
          let indexChanged = false;
          const dueForDeletion: string[] = [];

          for (const platformId of seen) {
            members[platformId] = 0;
            if (index.members[platformId] !== 0) indexChanged = true;
          }
          for (const [platformId, missed] of Object.entries(index.members)) {
            if (seen.has(platformId)) continue;
            indexChanged = true;
            const nowMissed = missed + 1;
            if (nowMissed >= deleteAfterMissedLists) dueForDeletion.push(platformId);
            else {
              members[platformId] = nowMissed;
              counts.missing++;
            }
          }

          const records = await cache.readInstances(endpoint, dueForDeletion);
          dueForDeletion.forEach((platformId, position) => {
            const record = records[position];
            // Already reported DELETED (an authoritative signal) or never published: just forget it.
            if (!record || record.status === 'DELETED') return;
            // Kept in the index until DCM acknowledged the deletion, so an unacked one is retried.
            members[platformId] = deleteAfterMissedLists;
            const sequence = record.sequence + 1;
            const observedTime = rfc3339(poll.observedAt);
            const message = `VM ${record.name ?? platformId} is gone: absent from ${deleteAfterMissedLists} consecutive complete lists`;
            changes.push({
              kind: 'transition',
              platformId,
              instanceId: record.instanceId,
              status: 'DELETED',
              previousStatus: record.status,
              message,
              sequence,
              observedAt: poll.observedAt,
              leavesIndex: true,
              record: { ...record, status: 'DELETED', message, sequence, observedTime, lastTransitionTime: observedTime },
            });
          });

          return { endpoint, changes, nextIndex: { members }, indexChanged, counts };
        },
      };
    },

    async commitTransitions(endpoint, acknowledged) {
      await cache.writeInstances(endpoint, acknowledged.flatMap((change) => (change.record ? [change.record] : [])));
    },

    async commitIndex(plan, acknowledgedDeletions) {
      const leaving = plan.changes.filter((change) => change.leavesIndex && acknowledgedDeletions.has(change.platformId));
      if (!plan.indexChanged && leaving.length === 0) return;
      const members = { ...plan.nextIndex.members };
      for (const change of leaving) delete members[change.platformId];
      await cache.writeIndex(plan.endpoint, { members });
    },
  };
}
