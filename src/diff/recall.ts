import type { EndpointIndex, IndexEntry, InstanceRecord } from '../cache/index.js';
import { isVmStatus } from '../normalize/index.js';

/** One instance as DCM's stream last told it (the publisher's `DeliveredState`, seen from the diff stage). */
export interface RecalledState {
  readonly platformId: string;
  readonly instanceId: string;
  readonly status: string;
  readonly message: string;
  readonly observedTime: string;
}

/** The cache repair a recall makes: records to write, the index changes that go with them, and the index they lead to. */
export interface Recollection {
  readonly records: readonly InstanceRecord[];
  readonly update: { readonly set: ReadonlyMap<string, IndexEntry>; readonly remove: readonly string[] };
  readonly index: EndpointIndex;
  /** Instances DCM holds that the cache had forgotten (or held in another state). */
  readonly restored: number;
  /** Instances the cache still listed although DCM already has their DELETED. */
  readonly forgotten: number;
}

/**
 * Makes an endpoint's cached memory agree with what DCM was told (pure).
 *
 * The cache means "the state DCM was last told"; after a loss or a rollback
 * the stream is the better witness. For every instance the stream names: its
 * last event's state becomes the record (same record kept when it already
 * agrees), and the index holds it while DCM believes it alive, so one that
 * vanished meanwhile is confirmed and reported DELETED; one whose DELETED
 * DCM already has leaves the index, so it is never deleted twice. Instances
 * the stream does not name (older than its retention) keep the cache's word.
 * The index keeps its epoch: the poll still counts as a new epoch's first.
 */
export function recall(index: EndpointIndex, cached: ReadonlyMap<string, InstanceRecord>, delivered: ReadonlyMap<string, RecalledState>): Recollection {
  const members = new Map(index.members);
  const set = new Map<string, IndexEntry>();
  const remove: string[] = [];
  const records: InstanceRecord[] = [];
  let restored = 0;
  let forgotten = 0;
  for (const [platformId, told] of delivered) {
    const status = told.status;
    if (!isVmStatus(status)) continue;
    const record = cached.get(platformId);
    const agrees = record !== undefined && record.status === status && record.instanceId === told.instanceId;
    if (status === 'DELETED') {
      if (members.delete(platformId)) {
        remove.push(platformId);
        forgotten++;
      }
      if (record && !agrees) records.push(recordOf(told, status, record));
      continue;
    }
    const entry: IndexEntry = { missedLists: members.get(platformId)?.missedLists ?? 0, instanceId: told.instanceId, status };
    const current = members.get(platformId);
    if (current === undefined || current.instanceId !== entry.instanceId || current.status !== entry.status) {
      members.set(platformId, entry);
      set.set(platformId, entry);
    }
    if (!agrees) {
      records.push(recordOf(told, status, record));
      restored++;
    }
  }
  return { records, update: { set, remove }, index: { ...index, members }, restored, forgotten };
}

/** The record DCM's last event implies; the sequence carries on from the cache's (event ids also carry the epoch, so none repeats). */
function recordOf(told: RecalledState, status: InstanceRecord['status'], record: InstanceRecord | undefined): InstanceRecord {
  return {
    platformId: told.platformId,
    instanceId: told.instanceId,
    status,
    message: told.message,
    rawState: record?.rawState ?? null,
    ...(record?.name !== undefined ? { name: record.name } : {}),
    sequence: record?.sequence ?? 0,
    observedTime: told.observedTime,
    lastTransitionTime: record?.status === status ? record.lastTransitionTime : told.observedTime,
  };
}
