import type { AbsenceFinding } from '../adapter/index.js';
import type { IndexEntry } from '../cache/index.js';
import { judgeVanishing } from './deletion-guard.js';
import type { AbsenceCheck, Change, PollPlan } from './differ.js';
import { askPlatform, deletionOf, listedEntries, planOf, type PollState } from './poll-state.js';

/** A member the complete list left out, with the missed lists counting this one. */
interface Missing {
  readonly platformId: string;
  readonly entry: IndexEntry;
  readonly missedLists: number;
}

/**
 * The finish of a complete listing (`PollDiff.finish`): members the list
 * left out count one more missed list; those missing long enough are
 * confirmed with the platform and only the `gone` ones become DELETED, none
 * while the mass-deletion guard holds.
 */
export async function finishFullList(state: PollState, absence: AbsenceCheck): Promise<PollPlan> {
  const { set, remove, idConflicts } = listedEntries(state);
  const missing = missingMembers(state, remove);
  const vanishing = judgeVanishing({ known: state.index.members.size, vanished: missing.length, released: absence.guardReleased }, state.guard);
  const due = vanishing.hold ? [] : missing.filter((absent) => absent.missedLists >= state.deleteAfterMissedLists);
  const dueRecords = await state.cache.readInstances(state.endpoint, due.map((absent) => absent.platformId));
  const recordOf = new Map(due.flatMap((absent, position) => (dueRecords[position] ? [[absent.platformId, dueRecords[position]] as const] : [])));
  // A live record is what makes an absence worth asking about; without one there is nothing to confirm (below).
  const askable = due.filter((absent) => (recordOf.get(absent.platformId)?.status ?? 'DELETED') !== 'DELETED');
  const findings = askable.length > 0 ? await askPlatform(absence, askable.map((absent) => absent.platformId)) : new Map<string, AbsenceFinding>();
  state.counts.absence.asked = askable.length;

  const changes: Change[] = [];
  for (const { platformId, entry, missedLists } of missing) {
    const isDue = missedLists >= state.deleteAfterMissedLists && !vanishing.hold;
    const record = recordOf.get(platformId);
    // Due, but no live record: DCM already has its DELETED, or the cache lost it; nothing to confirm.
    if (isDue && (!record || record.status === 'DELETED')) {
      remove.push(platformId);
      continue;
    }
    const finding = findings.get(platformId);
    const verdict = finding?.verdict ?? (isDue ? 'unknown' : undefined);
    if (verdict !== undefined) state.counts.absence[verdict]++;
    if (verdict === 'gone' && finding && record) {
      // Kept in the index until DCM acknowledged the deletion, so an unacknowledged one is retried.
      set.set(platformId, { ...entry, missedLists });
      changes.push(deletionOf(state, record, `absent from the list and the platform confirms it (${finding.evidence})`));
    } else if (verdict === 'present') {
      set.set(platformId, { ...entry, missedLists: 0 });
    } else if (verdict === 'unmanaged') {
      remove.push(platformId);
    } else {
      set.set(platformId, { ...entry, missedLists });
      state.counts.missing++;
    }
  }

  const epoch = state.index.epoch !== state.epoch ? state.epoch : undefined;
  return planOf(state, changes, set, remove, epoch, vanishing, idConflicts);
}

/** Members the list left out that DCM was told of; the others (never told, or already DELETED) go to `remove`. */
function missingMembers(state: PollState, remove: string[]): Missing[] {
  const missing: Missing[] = [];
  if (state.listedIds.coversAllMembers()) return missing;
  for (const [platformId, entry] of state.index.members) {
    if (state.listedIds.has(platformId)) continue;
    // Never told to DCM (its state, or its id, was never published), or already reported DELETED
    // (an authoritative signal): nothing to confirm, just forget it.
    if (entry.status === undefined || entry.status === 'DELETED') remove.push(platformId);
    else missing.push({ platformId, entry, missedLists: entry.missedLists + 1 });
  }
  return missing;
}
