import type { AbsenceFinding } from '../adapter/index.js';
import type { IndexEntry, InstanceRecord } from '../cache/index.js';
import { judgeVanishing, type VanishingVerdict } from './deletion-guard.js';
import type { AbsenceCheck, Change, ListedChanges, PollPlan } from './differ.js';
import { askPlatform, deletionOf, listedEntries, planOf, readRecords, resyncOf, type PollState } from './poll-state.js';

/** The index update a finish builds up. */
interface IndexEdits {
  readonly set: Map<string, IndexEntry>;
  readonly remove: string[];
}

/**
 * The finish of an incremental listing (`PollDiff.finishChanges`): what the
 * platform reported deleted becomes DELETED at once; what departed, and what
 * has been missing from full lists long enough, is confirmed with the
 * platform (mass-deletion guard applies); a resync round re-publishes the
 * other tracked states from the committed records.
 */
export async function finishChangeList(state: PollState, listed: ListedChanges, absence: AbsenceCheck): Promise<PollPlan> {
  const { set, remove, idConflicts } = listedEntries(state);
  const edits: IndexEdits = { set, remove };
  const members = state.index.members;
  const changes: Change[] = [];
  // Only instances DCM tracks and this listing did not show alive.
  const tracked = (platformId: string): boolean => members.has(platformId) && !state.listedIds.has(platformId);
  const deleted = [...listed.deleted.keys()].filter(tracked);
  const departed = [...listed.departed].filter((platformId) => tracked(platformId) && !listed.deleted.has(platformId));
  const told = (platformId: string): boolean => {
    const status = members.get(platformId)?.status;
    return status !== undefined && status !== 'DELETED';
  };
  // Never told to DCM, or already reported DELETED: nothing to announce, just forget it.
  for (const platformId of [...deleted, ...departed]) if (!told(platformId)) remove.push(platformId);
  const liveDeleted = deleted.filter(told);
  const liveDeparted = [...departed.filter(told), ...dueFromEarlierFullLists(state, listed, told, edits)];
  const records = await readRecords(state, [...liveDeleted, ...liveDeparted]);
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
    changes.push(deletionOf(state, record, `the platform reports it deleted (${listed.deleted.get(platformId) ?? ''})`));
  }
  const vanishing = await confirmDepartures(state, liveDeparted, records, announceable, absence, edits, changes);
  if (state.resync) changes.push(...(await resyncUnchanged(state, listed, new Set([...changes.map((change) => change.platformId), ...remove]))));
  return planOf(state, changes, set, remove, undefined, vanishing, idConflicts);
}

/**
 * Missing from the last full list and not shown since: an incremental listing is the next look, so it
 * counts as a missed list (else a VM deleted just before a full list would wait for the next one).
 * Answers those now due for confirmation; the others' count moves on in `edits`.
 */
function dueFromEarlierFullLists(state: PollState, listed: ListedChanges, told: (platformId: string) => boolean, edits: IndexEdits): string[] {
  const due: string[] = [];
  for (const [platformId, entry] of state.index.members) {
    if (entry.missedLists === 0 || state.listedIds.has(platformId) || listed.deleted.has(platformId) || listed.departed.has(platformId) || !told(platformId)) continue;
    if (entry.missedLists + 1 >= state.deleteAfterMissedLists) due.push(platformId);
    else edits.set.set(platformId, { ...entry, missedLists: entry.missedLists + 1 });
  }
  return due;
}

/** Asks the platform about departed instances unless the guard holds them; only `gone` becomes DELETED. */
async function confirmDepartures(
  state: PollState,
  liveDeparted: readonly string[],
  records: ReadonlyMap<string, InstanceRecord>,
  announceable: (platformId: string) => InstanceRecord | undefined,
  absence: AbsenceCheck,
  edits: IndexEdits,
  changes: Change[],
): Promise<VanishingVerdict> {
  const { set, remove } = edits;
  const vanishing = judgeVanishing({ known: state.index.members.size, vanished: liveDeparted.length, released: absence.guardReleased }, state.guard);
  const askable = vanishing.hold ? [] : liveDeparted.filter((platformId) => announceable(platformId) !== undefined);
  const findings = askable.length > 0 ? await askPlatform(absence, askable) : new Map<string, AbsenceFinding>();
  state.counts.absence.asked = askable.length;
  for (const platformId of liveDeparted) {
    const entry = state.index.members.get(platformId) as IndexEntry;
    const finding = findings.get(platformId);
    const verdict = vanishing.hold ? undefined : (finding?.verdict ?? (askable.includes(platformId) ? 'unknown' : undefined));
    if (verdict !== undefined) state.counts.absence[verdict]++;
    const record = records.get(platformId);
    if (verdict === 'gone' && finding && record) {
      set.set(platformId, entry);
      changes.push(deletionOf(state, record, `it left the platform's listing and the platform confirms it (${finding.evidence})`));
    } else if (verdict === 'unmanaged') {
      remove.push(platformId);
    } else if (verdict === 'present') {
      if (entry.missedLists > 0) set.set(platformId, { ...entry, missedLists: 0 });
    } else if (!remove.includes(platformId)) {
      // Unknown, or held by the guard: its last state stands, and it counts as missed so the next poll asks again.
      set.set(platformId, { ...entry, missedLists: entry.missedLists + 1 });
      state.counts.missing++;
    }
  }
  return vanishing;
}

/**
 * What DCM must hear again is what the cache committed: only changes were
 * listed. Not for an instance this finish has already decided about
 * (`decided`: a DELETED confirmed from an earlier full list's absence, an
 * instance no longer tracked): the committed state is older than that
 * decision, and re-announced after it, it would be DCM's last word.
 */
async function resyncUnchanged(state: PollState, listed: ListedChanges, decided: ReadonlySet<string>): Promise<Change[]> {
  const unchanged = [...state.index.members].filter(
    ([platformId, entry]) => !state.listedIds.has(platformId) && !listed.deleted.has(platformId) && !listed.departed.has(platformId) && !decided.has(platformId) && entry.status !== undefined && entry.status !== 'DELETED',
  );
  const committed = await readRecords(state, unchanged.map(([platformId]) => platformId));
  const changes: Change[] = [];
  for (const [platformId] of unchanged) {
    const record = committed.get(platformId);
    if (record && record.status !== 'DELETED') changes.push(resyncOf(state, record));
  }
  return changes;
}
