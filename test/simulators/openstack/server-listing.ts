import { atLeast, type Microversion } from './microversions.js';
import { databaseTime, reportedStatus, STATUSES, type ServerRecord } from './model.js';
import type { PageQuery } from './servers.js';

/** A list request Nova refuses with 400 `badRequest`. */
export class ListingError extends Error {}

/** The tag filters of `GET /servers` (microversion 2.26+), each a comma-separated list. */
export const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'] as const;

/** A list request as Nova reads it, or an empty-result shortcut. */
export type ListPlan = { readonly empty: true } | ({ readonly empty: false } & PageQuery);

function tagList(query: URLSearchParams, name: string): string[] | undefined {
  const values = query.getAll(name);
  if (values.length === 0) {
    return undefined;
  }
  return values
    .flatMap((value) => value.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/** Nova's `limit`: a non-negative integer, clamped to `max_limit` (missing → `max_limit`). */
function readLimit(query: URLSearchParams, maxLimit: number): number {
  const raw = query.get('limit');
  if (raw === null) {
    return maxLimit;
  }
  if (!/^\d+$/.test(raw)) {
    throw new ListingError(`Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`);
  }
  return Math.min(maxLimit, Number(raw));
}

/**
 * An ISO 8601 time as Nova reads `changes-since`/`changes-before` (`timeutils.parse_isotime`,
 * api-guide "Efficient polling"): `CCYY-MM-DDThh:mm[:ss[.ffffff]]` with an optional `Z` or
 * `±hh:mm`; without a zone, UTC. Milliseconds, or undefined when it is not such a time.
 */
export function parseNovaTime(raw: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(raw.trim());
  if (match === null) {
    return undefined;
  }
  const [, date, clock = '00:00', seconds = ':00', zone = 'Z'] = match;
  const fraction = /\.(\d+)/.exec(seconds)?.[1] ?? '';
  const wholeSeconds = seconds.replace(/\..*$/, '');
  const zoneText = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  // Date keeps milliseconds; Nova's database compares whole seconds anyway.
  const parsed = Date.parse(`${date}T${clock}${wholeSeconds}.${fraction.padEnd(3, '0').slice(0, 3)}${zoneText}`);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** A `changes-since` or `changes-before` value (the last one given, as `search_opts.update(req.GET)` keeps it). */
function readChangeTime(query: URLSearchParams, name: 'changes-since' | 'changes-before'): number | undefined {
  const raw = query.getAll(name).at(-1);
  if (raw === undefined) {
    return undefined;
  }
  const parsed = parseNovaTime(raw);
  if (parsed === undefined) {
    // The v2.1 query schema's `format: date-time` check words it so.
    throw new ListingError(`Invalid input for query parameters ${name}. Value: ${raw}. '${raw}' is not a 'date-time'`);
  }
  return parsed;
}

function nameMatcher(query: URLSearchParams): ((name: string) => boolean) | undefined {
  const raw = query.get('name');
  if (raw === null) {
    return undefined;
  }
  // Nova matches `name` as a regular expression against the display name.
  try {
    const pattern = new RegExp(raw);
    return (name) => pattern.test(name);
  } catch {
    throw new ListingError(`Invalid input for query parameters name. Value: ${raw}. '${raw}' is not a 'regex'`);
  }
}

/**
 * Reads a `GET /servers[/detail]` query into a page walk, following Nova: `limit` clamped
 * to `max_limit`; `status` matched on the derived status (an unknown one → empty list,
 * or 400 "Invalid status value" from 2.38); `name` a regex; tag filters only from 2.26 —
 * below it Nova drops them from a non-admin's query without a word, so the list comes
 * back unfiltered.
 *
 * `changes-since` keeps servers whose `updated_at` is at or after it, `changes-before`
 * (2.66+; dropped below, like any filter a member may not use yet) those at or before it
 * (`_get_query_nova_resource_by_changes_time` in nova/db/main/api.py); either one sets no
 * `deleted` filter, so deleted servers (status DELETED) and soft-deleted ones are listed
 * too (nova/api/openstack/compute/servers.py `_get_servers`). A time in the future is no
 * error: the list is empty. `changes-since` later than `changes-before` → 400.
 */
export function planListing(query: URLSearchParams, version: Microversion, maxLimit: number): ListPlan {
  const limit = readLimit(query, maxLimit);
  const changesSince = readChangeTime(query, 'changes-since');
  const changesBefore = atLeast(version, '2.66') ? readChangeTime(query, 'changes-before') : undefined;
  if (changesSince !== undefined && changesBefore !== undefined && changesBefore < changesSince) {
    throw new ListingError('The value of changes-since must be less than or equal to changes-before.');
  }
  const byChanges = changesSince !== undefined || changesBefore !== undefined;
  const matchesName = nameMatcher(query);
  const statuses = query.getAll('status').flatMap((value) => value.split(',')).map((status) => status.trim().toUpperCase()).filter((status) => status !== '');
  if (statuses.length > 0 && statuses.every((status) => !STATUSES.has(status))) {
    if (atLeast(version, '2.38')) {
      throw new ListingError('Invalid status value');
    }
    return { empty: true };
  }
  const tagsOn = atLeast(version, '2.26');
  const allOf = tagsOn ? tagList(query, 'tags') : undefined;
  const anyOf = tagsOn ? tagList(query, 'tags-any') : undefined;
  const notAll = tagsOn ? tagList(query, 'not-tags') : undefined;
  const notAny = tagsOn ? tagList(query, 'not-tags-any') : undefined;

  const accept = (server: ServerRecord): boolean => {
    const updated = databaseTime(server.updatedAt);
    if ((changesSince !== undefined && updated < changesSince) || (changesBefore !== undefined && updated > changesBefore)) {
      return false;
    }
    // Nova's default list asks the DB for `deleted=False`, which also leaves out SOFT_DELETED
    // servers unless `soft_deleted` is set (nova/db/main/api.py, instance_get_all_by_filters_sort);
    // `changes-since`/`changes-before` set no `deleted` filter, so they show both.
    if (!byChanges && server.vmState === 'soft-delete') {
      return false;
    }
    if (statuses.length > 0 && !statuses.includes(reportedStatus(server))) {
      return false;
    }
    if (matchesName !== undefined && !matchesName(server.name)) {
      return false;
    }
    const has = (tag: string): boolean => server.tags.includes(tag);
    return (
      (allOf === undefined || allOf.every(has)) &&
      (anyOf === undefined || anyOf.some(has)) &&
      (notAll === undefined || !notAll.every(has)) &&
      (notAny === undefined || !notAny.some(has))
    );
  };
  const marker = query.get('marker') ?? undefined;
  return { empty: false, limit, accept, includeDeleted: byChanges, ...(marker === undefined ? {} : { marker }) };
}

/** Query parameters that page or sort (`nova/api/openstack/compute/servers.py`, `PAGING_SORTING_PARAMS`). */
const PAGING_SORTING_PARAMS: ReadonlySet<string> = new Set(['sort_key', 'sort_dir', 'limit', 'marker']);

/** Nova's search options for a project member (`_get_server_search_options`); the others are dropped from the query first. */
const MEMBER_FILTERS: ReadonlySet<string> = new Set(['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'ip6', ...TAG_FILTERS, 'changes-before', 'locked']);

/**
 * Whether a list request may show down cells' servers as partial records, as Nova's
 * `_is_cell_down_supported` decides: from 2.69, and only without paging or sorting
 * parameters and without filters (`all_tenants` aside). Our tag-filtered, paged
 * listing never qualifies: down cells' servers are then left out.
 */
export function cellDownSupported(query: URLSearchParams, version: Microversion): boolean {
  if (!atLeast(version, '2.69')) {
    return false;
  }
  return [...query.keys()].every((key) => !PAGING_SORTING_PARAMS.has(key) && !MEMBER_FILTERS.has(key));
}

/**
 * The `next` link of a full page, built as Nova's `ViewBuilder._get_next_link` does:
 * the request's parameters sorted by name (a repeated one keeps only its last value),
 * `marker` set to the last id on the page (in place if it was there, else appended),
 * form-encoded. A page shorter than the effective limit gets no link; a full last page
 * does, and the page after it is empty.
 */
export function nextLink(collectionUrl: string, query: URLSearchParams, items: readonly { id: string }[], limit: number): { href: string; rel: 'next' }[] {
  const last = items.at(-1);
  if (limit === 0 || items.length !== limit || last === undefined) {
    return [];
  }
  const sorted = [...query.entries()].sort(([leftKey, leftValue], [rightKey, rightValue]) => (leftKey === rightKey ? (leftValue < rightValue ? -1 : 1) : leftKey < rightKey ? -1 : 1));
  const params = new Map<string, string>(sorted);
  params.set('marker', last.id);
  return [{ href: `${collectionUrl}?${new URLSearchParams([...params.entries()]).toString()}`, rel: 'next' }];
}
