import { isVmStatus, type VmStatus } from '../normalize/index.js';
import type { IndexEntry, InstanceRecord, ListingCursor, OutboxEntry } from './state-cache.js';

/**
 * The compact forms the cache stores. A steady poll at 100,000 VMs reads
 * every index entry and a storm writes every record, so each is a short
 * string parsed without a reviver: records and outbox entries as JSON
 * arrays (their texts may hold any character), index entries as
 * space-separated words (platform ids are hash fields, DCM ids are DNS
 * labels and statuses are enum words, none holds a space).
 *
 * Decoders throw a plain Error naming what is wrong; the cache wraps it in
 * a `CACHE_FAILED` error naming the key.
 */

/** Marks the record layout, so a later layout can read this one. */
const recordLayout = 'r1';

/** A record's stored text; the platform id is its key's last part, not repeated. */
export function encodeRecord(record: InstanceRecord): string {
  const fields: unknown[] = [recordLayout, record.instanceId, record.status, record.sequence, record.observedTime, record.lastTransitionTime, record.rawState, record.message];
  if (record.name !== undefined) fields.push(record.name);
  return JSON.stringify(fields);
}

/** Reads a stored record of instance `platformId`. */
export function decodeRecord(platformId: string, text: string): InstanceRecord {
  const fields: unknown = JSON.parse(text);
  if (!Array.isArray(fields) || fields[0] !== recordLayout || fields.length < 8 || fields.length > 9) throw new Error(`not a record of layout ${recordLayout}`);
  const [, instanceId, status, sequence, observedTime, lastTransitionTime, rawState, message, name] = fields as unknown[];
  if (typeof instanceId !== 'string' || typeof status !== 'string' || !isVmStatus(status)) throw new Error('its instance id or status is not valid');
  if (typeof sequence !== 'number' || !Number.isInteger(sequence) || sequence < 0) throw new Error('its sequence is not a whole number');
  if (typeof observedTime !== 'string' || typeof lastTransitionTime !== 'string' || typeof message !== 'string') throw new Error('its times or message are not text');
  if (rawState !== null && typeof rawState !== 'string') throw new Error('its raw state is neither text nor null');
  if (name !== undefined && typeof name !== 'string') throw new Error('its name is not text');
  return { platformId, instanceId, status, message, rawState, ...(name !== undefined ? { name } : {}), sequence, observedTime, lastTransitionTime };
}

/** An index entry's stored text: `missed`, `missed instanceId` or `missed instanceId status`. */
export function encodeIndexEntry(entry: IndexEntry): string {
  if (entry.instanceId === undefined) return String(entry.missedLists);
  return entry.status === undefined ? `${entry.missedLists} ${entry.instanceId}` : `${entry.missedLists} ${entry.instanceId} ${entry.status}`;
}

export function decodeIndexEntry(text: string): IndexEntry {
  const firstSpace = text.indexOf(' ');
  const missedLists = Number(firstSpace === -1 ? text : text.slice(0, firstSpace));
  if (!Number.isInteger(missedLists) || missedLists < 0) throw new Error(`index entry "${text.slice(0, 80)}" does not start with a count of missed lists`);
  if (firstSpace === -1) return { missedLists };
  const secondSpace = text.indexOf(' ', firstSpace + 1);
  if (secondSpace === -1) return { missedLists, instanceId: text.slice(firstSpace + 1) };
  const status = text.slice(secondSpace + 1);
  if (!isVmStatus(status)) throw new Error(`index entry "${text.slice(0, 80)}" names no DCM status`);
  return { missedLists, instanceId: text.slice(firstSpace + 1, secondSpace), status: status satisfies VmStatus };
}

/** An outbox entry's stored text: the record to commit, whether it leaves the index, and the exact event sent. */
export function encodeOutboxEntry(entry: OutboxEntry): string {
  return JSON.stringify([encodeRecord(entry.record), entry.leavesIndex ? 1 : 0, entry.event.subject, entry.event.id, entry.event.body]);
}

export function decodeOutboxEntry(platformId: string, text: string): OutboxEntry {
  const fields: unknown = JSON.parse(text);
  if (!Array.isArray(fields) || fields.length !== 5) throw new Error('not an outbox entry');
  const [record, leavesIndex, subject, id, body] = fields as unknown[];
  if (typeof record !== 'string' || typeof subject !== 'string' || typeof id !== 'string' || typeof body !== 'string') throw new Error('its record or event is not text');
  return { record: decodeRecord(platformId, record), leavesIndex: leavesIndex === 1, event: { subject, id, body } };
}

/** A listing cursor's stored text. */
export function encodeListingCursor(cursor: ListingCursor): string {
  return JSON.stringify([cursor.value, cursor.fullListAt, cursor.epoch, cursor.scope]);
}

export function decodeListingCursor(text: string): ListingCursor {
  const fields: unknown = JSON.parse(text);
  if (!Array.isArray(fields) || fields.length !== 4) throw new Error('not a listing cursor');
  const [value, fullListAt, epoch, scope] = fields as unknown[];
  if (typeof value !== 'string' || typeof epoch !== 'string' || typeof scope !== 'string') throw new Error("its value, epoch or scope is not text");
  if (typeof fullListAt !== 'number' || !Number.isFinite(fullListAt)) throw new Error('its full-list time is not a number');
  return { value, fullListAt, epoch, scope };
}
