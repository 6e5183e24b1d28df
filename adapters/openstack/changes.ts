import type { ChangePage, ListingEnd, RawInstance } from '../../src/adapter/index.js';
import type { Clock } from '../../src/clock/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { PlatformResponse } from '../../src/platform-http/index.js';
import { isJsonObject } from '../../src/values/index.js';
import { listManagedServers, payloadError, walkServerPages, type ListingOptions } from './listing.js';
import { isPartialRecord, readServer } from './servers.js';

/**
 * How far behind Nova's clock a cursor is put, by default. It covers what
 * separates the time a cursor is read from (the `Date` of the listing's first
 * answer) and the `updated_at` Nova writes for a change the listing could not
 * see yet: clock skew between the host answering (nova-api, or the proxy in
 * front of it) and the hosts writing rows (nova-conductor, nova-api, cells),
 * a transaction that stamped its row before the listing's query and
 * committed after it, and the whole seconds of both `Date` and `updated_at`.
 * A change inside the margin is listed twice; the core diffs the repeat away.
 */
export const defaultChangesSinceMarginSeconds = 60;

/** What an incremental (or cursor-returning full) listing needs besides a full listing's options. */
export interface ChangeListingOptions extends ListingOptions {
  readonly clock: Clock;
  readonly marginSeconds: number;
  readonly maxAgeSeconds: number;
}

/** A cursor as this adapter writes it: a `changes-since` time, whole seconds, UTC. */
const cursorPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Writes a cursor: the time `marginSeconds` before `novaTime`, in Nova's own ISO format. */
export function cursorAt(novaTime: number, marginSeconds: number): string {
  return new Date(Math.floor(novaTime / 1000) * 1000 - marginSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Nova's time when it answered: the answer's `Date` (whole seconds), or undefined without a valid one. */
export function answeredAt(answer: PlatformResponse): number | undefined {
  const raw = answer.headers['date'];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * A full listing on the core's behalf: every managed server exactly as
 * {@link listManagedServers} yields them, then the cursor from which the next
 * incremental listing resumes: the `Date` of the first answer minus the
 * margin. The first answer's time, not the newest `updated` seen: a server on
 * a page already read may change while later pages are read (its `updated`
 * is then after the first answer, so it is caught), and a quiet estate has no
 * recent `updated` at all. No `Date` → no cursor (the next poll lists in full
 * again), with a warning.
 */
export async function* listAllWithCursor(options: ChangeListingOptions, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd> {
  let first: PlatformResponse | undefined;
  for await (const instances of listManagedServers(options, signal, (answer) => (first = answer))) {
    yield { instances, deleted: [], departed: [] };
  }
  const novaTime = first === undefined ? undefined : answeredAt(first);
  if (novaTime === undefined) {
    options.logger.warn('Nova answered without a Date header: no changes-since cursor, so the next poll lists in full again');
    return { cursor: undefined };
  }
  return { cursor: cursorAt(novaTime, options.marginSeconds) };
}

/**
 * An incremental listing: `GET /servers/detail?changes-since=<cursor>` at
 * 2.26, paged by `marker`, **without** the `tags` filter, because Nova
 * deletes a server's tags with the server (`instance_destroy`): a deleted
 * server would never match it. Each server is sorted by the `tags` its body
 * carries:
 *
 * - status `DELETED` → `deleted` (Nova's deleted record: authoritative; the
 *   record no longer says whether it was DCM's, so every one is passed and the
 *   core keeps those it tracks);
 * - carrying the managed-by tag → `instances`, read as the full listing reads them;
 * - without it → `departed` (retagged, or never DCM's: the core asks about
 *   the ones it tracks);
 * - a down cell's partial record (Nova lists none in a filtered list; a Nova
 *   that does says nothing usable) → skipped, with a warning.
 *
 * The cursor is checked on the first answer, before anything is yielded:
 * malformed (not one this adapter wrote), older than `maxAgeSeconds` on
 * Nova's clock, or later than Nova's clock (Nova's time went back, or the
 * endpoint now reaches another cloud) → `CURSOR_REJECTED`. A server whose
 * body lacks `tags` cannot be told DCM's from others, unfiltered:
 * `CURSOR_REJECTED` on the first page (the core lists in full, trusting
 * Nova's tag filter), `PLATFORM_PAYLOAD` on a later one (pages are already
 * yielded). The next cursor is the first answer's
 * `Date` minus the margin; without a `Date`, the newest `updated` of the
 * first page minus the margin, never earlier than the given cursor.
 */
export async function* listChangesSince(options: ChangeListingOptions, cursor: string, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd> {
  const since = cursorPattern.test(cursor) ? Date.parse(cursor) : Number.NaN;
  if (Number.isNaN(since)) throw cursorRejected(options.endpoint, `the cursor "${cursor.slice(0, 40)}" is not a changes-since time this adapter wrote`);
  let next: string | undefined;
  const skipped = { partial: 0 };
  for await (const { servers, answer, page } of walkServerPages(options, { 'changes-since': cursor }, signal)) {
    if (page === 1) next = checkCursorAndNext(options, cursor, since, answer, servers);
    const changes = readChangedServers(servers, page, options, skipped);
    if (changes.instances.length > 0 || changes.deleted.length > 0 || changes.departed.length > 0) yield changes;
  }
  if (skipped.partial > 0) options.logger.warn({ partial: skipped.partial }, 'Nova listed partial records (a down cell) in a changes-since listing; they were skipped');
  return { cursor: next };
}

/** Checks the cursor against Nova's clock on the first answer and works out the next cursor. */
function checkCursorAndNext(options: ChangeListingOptions, cursor: string, since: number, answer: PlatformResponse, servers: readonly unknown[]): string {
  const dated = answeredAt(answer);
  // Without a Date the bridge's clock is the only "now" there is, for the age check only.
  const novaNow = dated ?? options.clock.now();
  if (since > novaNow) {
    throw cursorRejected(options.endpoint, `the cursor ${cursor} is later than Nova's clock (${new Date(novaNow).toISOString()}): changes stamped before it would be missed`);
  }
  const ageSeconds = (novaNow - since) / 1000;
  if (ageSeconds > options.maxAgeSeconds) {
    throw cursorRejected(options.endpoint, `the cursor ${cursor} is ${Math.round(ageSeconds)} s old, more than changesSinceMaxAgeSeconds (${options.maxAgeSeconds}): Nova may have archived deletions since`);
  }
  if (dated !== undefined) return cursorAt(dated, options.marginSeconds);
  options.logger.warn('Nova answered without a Date header: the next changes-since cursor comes from the newest updated time of the first page');
  const newest = newestUpdated(servers);
  return newest === undefined ? cursor : maxCursor(cursor, cursorAt(newest, options.marginSeconds));
}

function maxCursor(left: string, right: string): string {
  return Date.parse(left) >= Date.parse(right) ? left : right;
}

function newestUpdated(servers: readonly unknown[]): number | undefined {
  let newest: number | undefined;
  for (const server of servers) {
    const updated = isJsonObject(server) && typeof server['updated'] === 'string' ? Date.parse(server['updated']) : Number.NaN;
    if (!Number.isNaN(updated) && (newest === undefined || updated > newest)) newest = updated;
  }
  return newest;
}

/** Sorts one page of an unfiltered `changes-since` answer into a {@link ChangePage}. */
function readChangedServers(servers: readonly unknown[], page: number, options: ChangeListingOptions, skipped: { partial: number }): ChangePage {
  const instances: RawInstance[] = [];
  const deleted: { platformId: string; evidence: string }[] = [];
  const departed: string[] = [];
  servers.forEach((server, index) => {
    // readServer checks id and status first: a server without them fails the listing.
    const outcome = readServer(server, index, options);
    const platformId = outcome.kind === 'untagged' ? outcome.platformId : outcome.instance.platformId;
    const body = server as Record<string, unknown>;
    // Before the tags: a deleted record has none left.
    if (body['status'] === 'DELETED') {
      const updated = typeof body['updated'] === 'string' ? ` (updated ${body['updated'].slice(0, 40)})` : '';
      deleted.push({ platformId, evidence: `GET /servers/detail?changes-since lists a deleted record, status DELETED${updated}` });
      return;
    }
    if (outcome.kind === 'untagged') {
      departed.push(platformId);
      return;
    }
    if (outcome.partial || isPartialRecord(body)) {
      skipped.partial++;
      return;
    }
    if (outcome.tagsMissing) {
      // Unfiltered, a server without tags cannot be told DCM's; the tag-filtered full listing can
      // trust Nova's filter instead. On the first page nothing is yielded yet, so the core can still
      // list in full within this poll.
      const problem = `server ${platformId} of a changes-since listing came without its tags (entry ${index} of page ${page}): without the tag filter it cannot be told DCM's from others`;
      throw page === 1 ? cursorRejected(options.endpoint, problem) : payloadError(options.endpoint, problem);
    }
    if (outcome.ambiguousId) options.logger.warn({ serverId: platformId, instanceIds: outcome.ambiguousId }, 'server has several instance-id tags; reported without an id');
    instances.push(outcome.instance);
  });
  return { instances, deleted, departed };
}

function cursorRejected(endpoint: string, problem: string): BridgeError {
  return new BridgeError(ErrorCode.CursorRejected, `openstack endpoint ${endpoint}: ${problem}; listing in full instead`, { endpoint, platform: 'openstack' });
}
