import type { InstanceRecord } from '../cache/index.js';
import type { Change, Observation } from './differ.js';
import { alreadyListed } from './listed-ids.js';
import { resyncOf, transitionOf, type PollState } from './poll-state.js';

/**
 * Diffs one page: the changes DCM must hear of now (new and changed
 * instances, and resyncs). Instances already seen this poll are skipped; an
 * id another instance owns is set aside. Records are read only for the
 * instances whose index entry cannot tell.
 */
export async function diffPage(state: PollState, observations: readonly Observation[]): Promise<Change[]> {
  const { listedIds, counts, claims, rewritten, resync } = state;
  const changes: Change[] = [];
  const needRecords: Observation[] = [];
  for (const observation of observations) {
    const entry = listedIds.list(observation.platformId);
    if (entry === alreadyListed) continue;
    counts.observed++;
    counts.byStatus[observation.status]++;
    // A live entry carrying this id owns it unless the index has ids several entries carry (see ownersOf).
    const ownsItsId = !state.idsShared && entry?.instanceId === observation.instanceId && entry.status !== 'DELETED';
    if (!ownsItsId && !claims.claim(observation.instanceId, observation.platformId)) continue;
    // The steady state of a large estate: the index already says DCM holds this state, no record is read.
    if (!resync && entry?.status === observation.status && entry.instanceId === observation.instanceId) {
      if (entry.missedLists > 0) rewritten.set(observation.platformId, { ...entry, missedLists: 0 });
      continue;
    }
    needRecords.push(observation);
  }
  if (needRecords.length === 0) return changes;
  const records = await state.cache.readInstances(state.endpoint, needRecords.map((observation) => observation.platformId));
  needRecords.forEach((observation, position) => judge(state, observation, records[position], changes));
  return changes;
}

/** Judges one observation against its record (read only when the index's summary could not tell). */
function judge(state: PollState, observation: Observation, previous: InstanceRecord | undefined, changes: Change[]): void {
  const { debounceMs, rewritten } = state;
  const differs = !previous || previous.status !== observation.status || previous.instanceId !== observation.instanceId;
  const entry = state.index.members.get(observation.platformId);
  const held = differs && previous !== undefined && debounceMs > 0 && state.observedAt - Date.parse(previous.lastTransitionTime) < debounceMs;
  if (differs && !held) {
    if (entry !== undefined && entry.missedLists > 0) rewritten.set(observation.platformId, { missedLists: 0, instanceId: observation.instanceId, status: observation.status });
    changes.push(transitionOf(state, observation, previous));
    return;
  }
  // Unchanged for DCM (or held back): the entry keeps what DCM was told.
  if (entry === undefined || entry.missedLists > 0 || entry.status !== previous.status || entry.instanceId !== previous.instanceId) {
    rewritten.set(observation.platformId, { missedLists: 0, instanceId: previous.instanceId, status: previous.status });
  }
  if (held) state.counts.debounced++;
  if (state.resync) changes.push(resyncOf(state, previous));
}
