import type { Logger } from 'pino';
import type { EndpointStore, EndpointStoreMap } from '../../src/adapter/index.js';
import type { Selector } from '../../src/config/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../src/errors/index.js';
import { chunks, sameList } from './lists.js';
import { createInTurn, mapWithConcurrency } from '../../src/concurrency/index.js';
import type { NamedObject } from './payloads.js';
import type { VcenterApi } from './vcenter-api.js';

/** The tags that select DCM's VMs on one endpoint, by id. */
export interface SelectorTags {
  /** The tag `selector.managedByValue` in the category `selector.managedByKey`. */
  readonly managedByTagId: string;
  /** Every tag of the category `selector.instanceIdKey`: tag id → tag name, which is the DCM instance id. */
  readonly instanceIdTags: ReadonlyMap<string, string>;
}

/**
 * Turns the endpoint's selector (names) into tag ids, with as few requests as
 * the tagging API allows: it can list ids but only get names one object at a
 * time, so names are cached for the life of the connection and, when the
 * adapter has a store, across restarts (the store's `tag-names` map).
 *
 * - Category ids and the managed-by tag id are looked up once and kept; when
 *   vCenter says one is gone (404, or the tag missing from an association
 *   answer) the caller calls {@link TagDirectory.forget} and they are looked
 *   up again.
 * - The instance-id category is listed on every poll (one request), since
 *   DCM adds a tag per new instance; only tags not seen before are fetched,
 *   and tags that left the category are dropped from the cache. Tag ids are
 *   UUID-based and never reused, and a DCM instance id never changes, so a
 *   cached name stays right for as long as its tag exists.
 * - With a store: the first resolve reads every stored name (one read),
 *   keeps those whose tag is listed and whose value reads back whole, and
 *   deletes the rest; later resolves ask the store only for tags they do not
 *   know (another replica may have fetched them). Names fetched are stored
 *   every {@link namesPerBatch} and when the fetch ends, failed or not. A
 *   store that fails costs GETs and a warning, never the poll.
 */
export interface TagDirectory {
  resolve(signal: AbortSignal): Promise<SelectorTags>;
  /** Forgets the category ids and the managed-by tag id (instance tag names stay: they are keyed by unique id). */
  forget(): void;
}

export interface TagDirectoryOptions {
  readonly api: VcenterApi;
  readonly selector: Selector;
  readonly endpoint: string;
  /** Most tag/category GETs in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
  /** Where instance-id tag names outlive the connection (`AdapterContext.store`); absent → memory only. */
  readonly store?: EndpointStore | undefined;
}

/** The store map holding instance-id tag names, tag id → {@link encodeStoredTagName}. */
export const tagNamesUse = 'tag-names';

/** Names fetched between two store writes, and between two progress lines of a long fetch. */
export const namesPerBatch = 1000;

/** A tag name as stored: the tag id rides along, so a value that lands under another tag's field is caught. */
export function encodeStoredTagName(tagId: string, name: string): string {
  return JSON.stringify({ tag: tagId, name });
}

/** The name in a stored value, or undefined when the value is not one {@link encodeStoredTagName} wrote for `tagId`. */
export function decodeStoredTagName(tagId: string, text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { tag, name } = value as Record<string, unknown>;
  return tag === tagId && typeof name === 'string' && name !== '' ? name : undefined;
}

interface CategoryIds {
  readonly managedBy: string;
  readonly instanceId: string;
}

/** A 404 on one object means it was deleted since it was listed: it is skipped, not fatal. */
function undefinedWhenGone(error: unknown): undefined {
  if (isBridgeError(error, ErrorCode.PlatformHttp) && error.context.status === 404) return undefined;
  throw error;
}

export function createTagDirectory(options: TagDirectoryOptions): TagDirectory {
  const cache: InstanceTagCache = { options, names: new Map(), stored: options.store ? storedTagNames(options.store.map(tagNamesUse), options.logger) : undefined };
  let categories: CategoryIds | undefined;
  let managedByTagId: string | undefined;

  const attempt = async (signal: AbortSignal): Promise<SelectorTags> => {
    categories ??= await lookUpCategories(options, signal);
    managedByTagId ??= await lookUpManagedByTag(options, categories.managedBy, signal);
    return { managedByTagId, instanceIdTags: await instanceTags(cache, categories.instanceId, signal) };
  };

  const directory: TagDirectory = {
    async resolve(signal) {
      const fromCache = categories !== undefined;
      try {
        return await attempt(signal);
      } catch (error) {
        // A cached category that vCenter no longer knows (deleted and re-created): look up once more.
        if (!fromCache || !isBridgeError(error, ErrorCode.PlatformHttp) || error.context.status !== 404) throw error;
        options.logger.info('a cached tag category is gone; looking the categories up again');
        directory.forget();
        return attempt(signal);
      }
    },
    forget() {
      categories = undefined;
      managedByTagId = undefined;
    },
  };
  return directory;
}

function missingSelectorObject(endpoint: string, what: string, key: string): BridgeError {
  return new BridgeError(
    ErrorCode.ListIncomplete,
    `vsphere endpoint ${endpoint}: vCenter has no ${what} (${key}); create it as adapters/vsphere/README.md describes. Nothing is listed, so nothing is deleted.`,
    { endpoint, platform: 'vsphere' },
  );
}

/** Gets objects `concurrency` at a time until every wanted name is found; returns name → id. */
async function findByName(concurrency: number, ids: readonly string[], wanted: readonly string[], get: (id: string) => Promise<NamedObject>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const slice of chunks(ids, concurrency)) {
    const objects = await mapWithConcurrency(slice, concurrency, (id) => get(id).catch(undefinedWhenGone));
    objects.forEach((object, index) => {
      if (object && wanted.includes(object.name) && !found.has(object.name)) found.set(object.name, slice[index] as string);
    });
    if (found.size === wanted.length) break;
  }
  return found;
}

async function lookUpCategories(options: TagDirectoryOptions, signal: AbortSignal): Promise<CategoryIds> {
  const { api, selector, endpoint } = options;
  const ids = await api.listCategoryIds(signal);
  const found = await findByName(options.concurrency, ids, [selector.managedByKey, selector.instanceIdKey], (id) => api.getCategory(id, signal));
  const managedBy = found.get(selector.managedByKey);
  const instanceId = found.get(selector.instanceIdKey);
  if (managedBy === undefined) throw missingSelectorObject(endpoint, `tag category "${selector.managedByKey}"`, 'selector.managedByKey');
  if (instanceId === undefined) throw missingSelectorObject(endpoint, `tag category "${selector.instanceIdKey}"`, 'selector.instanceIdKey');
  options.logger.info({ categories: ids.length }, 'found the DCM tag categories');
  return { managedBy, instanceId };
}

async function lookUpManagedByTag(options: TagDirectoryOptions, categoryId: string, signal: AbortSignal): Promise<string> {
  const { api, selector } = options;
  const ids = await api.listTagIdsForCategory(categoryId, signal);
  const tagId = (await findByName(options.concurrency, ids, [selector.managedByValue], (id) => api.getTag(id, signal))).get(selector.managedByValue);
  if (tagId === undefined) throw missingSelectorObject(options.endpoint, `tag "${selector.managedByValue}" in category "${selector.managedByKey}"`, 'selector.managedByValue');
  return tagId;
}

/** The instance-id tag names known for the life of the connection (tag id → name), and their store when there is one. */
interface InstanceTagCache {
  readonly options: TagDirectoryOptions;
  readonly names: Map<string, string>;
  readonly stored: StoredTagNames | undefined;
  /** The last listing whose every tag was named, and those names: the same list again needs no work (100k tags in a steady estate). */
  lastListing?: { readonly ids: readonly string[]; readonly named: ReadonlyMap<string, string> };
}

/** Lists the instance-id category's tags and names each: from the cache, then the store, then vCenter; tags that left are dropped. */
async function instanceTags(cache: InstanceTagCache, categoryId: string, signal: AbortSignal): Promise<ReadonlyMap<string, string>> {
  const { names, stored } = cache;
  const ids = await cache.options.api.listTagIdsForCategory(categoryId, signal);
  const last = cache.lastListing;
  if (last !== undefined && sameList(last.ids, ids)) {
    // Nothing listed or gone since, every tag named: only what a failing store left queued is tried again.
    await stored?.forget([]);
    await stored?.save();
    return last.named;
  }
  cache.lastListing = undefined;
  const listed = new Set(ids);
  const left: string[] = [];
  for (const id of names.keys()) {
    if (listed.has(id)) continue;
    names.delete(id);
    left.push(id);
  }
  if (stored) {
    const recalled = await stored.recall(ids, listed, names);
    for (const [id, name] of recalled.names) names.set(id, name);
    await stored.forget([...left, ...recalled.drop]);
  }
  const unknown = ids.filter((id) => !names.has(id));
  try {
    await fetchNames(cache, unknown, signal);
  } finally {
    // What was fetched is stored even when the fetch failed half-way: the next start does not fetch it again.
    await stored?.save();
  }
  const named = new Map<string, string>();
  for (const id of ids) {
    const name = names.get(id);
    if (name !== undefined) named.set(id, name);
  }
  if (named.size === ids.length) cache.lastListing = { ids, named };
  return named;
}

/** Gets the names of `ids`, `concurrency` at a time, each kept (and queued for the store) as soon as it arrives. */
async function fetchNames(cache: InstanceTagCache, ids: readonly string[], signal: AbortSignal): Promise<void> {
  const { names, stored } = cache;
  const { api, concurrency, logger } = cache.options;
  if (ids.length === 0) return;
  const long = ids.length >= namesPerBatch;
  if (long) logger.info({ names: ids.length, known: names.size }, `fetching ${ids.length} instance-id tag names from vCenter, one request each, ${concurrency} at a time`);
  let done = 0;
  await mapWithConcurrency(ids, concurrency, async (id) => {
    const tag = await api.getTag(id, signal).catch(undefinedWhenGone);
    if (tag) {
      names.set(id, tag.name);
      stored?.remember(id, tag.name);
    }
    if (++done % namesPerBatch === 0) {
      if (long) logger.info({ fetched: done, remaining: ids.length - done }, `fetched ${done} of ${ids.length} instance-id tag names`);
      void stored?.save();
    }
  });
  logger[long ? 'info' : 'debug']({ fetched: ids.length, cached: names.size }, 'fetched the names of new instance-id tags');
}

/** The store side of the instance-id tag names: what was read, what is still to write or delete. */
interface StoredTagNames {
  /**
   * Names the store holds for `ids` that `known` lacks (the whole map on the
   * first successful read, then only the unknown ids), and the stored ids to
   * drop: tags no longer listed, and values that do not read back whole.
   * A failing store answers nothing (the names are fetched instead).
   */
  recall(ids: readonly string[], listed: ReadonlySet<string>, known: ReadonlyMap<string, string>): Promise<{ names: Map<string, string>; drop: string[] }>;
  /** Queues a fetched name for the next {@link StoredTagNames.save}. */
  remember(id: string, name: string): void;
  /** Writes every queued name (and retries deletions that failed); a failure is logged and the names stay queued. Writes take turns. */
  save(): Promise<void>;
  /** Deletes these ids from the store; a failure is logged and the deletion retried with the next one. */
  forget(ids: readonly string[]): Promise<void>;
}


/** The store side's queues: names fetched and not yet written, ids whose deletion failed, and whether the first read swept the map. */
interface StoreQueues {
  readonly map: EndpointStoreMap;
  readonly logger: Logger;
  swept: boolean;
  readonly unsaved: Map<string, string>;
  readonly undeleted: Set<string>;
}

function storedTagNames(map: EndpointStoreMap, logger: Logger): StoredTagNames {
  const queues: StoreQueues = { map, logger, swept: false, unsaved: new Map(), undeleted: new Set() };
  // Saves take turns, so two never write or delete the same names at once.
  const inTurn = createInTurn();
  return {
    recall: (ids, listed, known) => recallStoredNames(queues, ids, listed, known),
    remember(id, name) {
      queues.unsaved.set(id, name);
    },
    save: () =>
      inTurn(async () => {
        if (queues.undeleted.size > 0) await deleteStoredNames(queues, []);
        await writeStoredNames(queues);
      }),
    forget: (ids) => deleteStoredNames(queues, ids),
  };
}

/** {@link StoredTagNames.forget}: `ids` join the deletions still owed, and all of them are tried. */
async function deleteStoredNames(queues: StoreQueues, ids: readonly string[]): Promise<void> {
  const { unsaved, undeleted } = queues;
  for (const id of ids) {
    unsaved.delete(id);
    undeleted.add(id);
  }
  if (undeleted.size === 0) return;
  const batch = [...undeleted];
  try {
    await queues.map.deleteMany(batch);
    for (const id of batch) undeleted.delete(id);
  } catch (error) {
    queues.logger.warn({ err: error, names: batch.length }, 'cannot delete stored instance-id tag names; retrying with the next write');
  }
}

/** Writes the queued names; a name queued again meanwhile stays queued. */
async function writeStoredNames(queues: StoreQueues): Promise<void> {
  const { unsaved, undeleted } = queues;
  if (unsaved.size === 0) return;
  const batch = new Map(unsaved);
  try {
    await queues.map.setMany(new Map([...batch].map(([id, name]) => [id, encodeStoredTagName(id, name)])));
    for (const [id, name] of batch) {
      if (unsaved.get(id) === name) unsaved.delete(id);
      // A deletion still owed for this id (an unreadable value) must not remove the name just written.
      undeleted.delete(id);
    }
  } catch (error) {
    queues.logger.warn({ err: error, names: batch.size }, 'cannot store instance-id tag names; a restart will fetch them again unless a later write succeeds');
  }
}

/** What a read of the store yields: names that read back whole, ids to drop, and how many of those were unreadable values. */
interface Recalled {
  readonly names: Map<string, string>;
  readonly drop: string[];
  unreadable: number;
}

function takeStoredName(recalled: Recalled, id: string, text: string): void {
  const name = decodeStoredTagName(id, text);
  if (name !== undefined) recalled.names.set(id, name);
  else {
    recalled.unreadable++;
    recalled.drop.push(id);
  }
}

/** {@link StoredTagNames.recall}. */
async function recallStoredNames(queues: StoreQueues, ids: readonly string[], listed: ReadonlySet<string>, known: ReadonlyMap<string, string>): Promise<{ names: Map<string, string>; drop: string[] }> {
  const recalled: Recalled = { names: new Map(), drop: [], unreadable: 0 };
  try {
    if (!queues.swept) await sweepStoredNames(queues, recalled, listed, known);
    else await readUnknownStoredNames(queues, recalled, ids, known);
  } catch (error) {
    queues.logger.warn({ err: error }, 'cannot read the stored instance-id tag names; fetching them from vCenter instead');
    return { names: new Map(), drop: [] };
  }
  const { names, drop, unreadable } = recalled;
  if (unreadable > 0) queues.logger.warn({ unreadable }, `${unreadable} stored instance-id tag names do not read back whole; they are deleted and fetched again`);
  return { names, drop };
}

/** The first read: the whole map, keeping what is listed and dropping the rest. */
async function sweepStoredNames(queues: StoreQueues, recalled: Recalled, listed: ReadonlySet<string>, known: ReadonlyMap<string, string>): Promise<void> {
  const entries = await queues.map.entries();
  for (const [id, text] of entries) {
    const held = known.get(id);
    if (!listed.has(id)) recalled.drop.push(id);
    else if (held === undefined) takeStoredName(recalled, id, text);
    // Known from an earlier fetch (the store could not be read then): the stored value must match, else it is written again.
    else if (decodeStoredTagName(id, text) !== held) queues.unsaved.set(id, held);
  }
  queues.swept = true;
  const { names, drop, unreadable } = recalled;
  queues.logger.info({ fromStore: names.size, unlisted: drop.length - unreadable, unreadable }, `read ${names.size} instance-id tag names from the store`);
}

/** Later reads: only the ids not known (another replica may have fetched them). */
async function readUnknownStoredNames(queues: StoreQueues, recalled: Recalled, ids: readonly string[], known: ReadonlyMap<string, string>): Promise<void> {
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length === 0) return;
  const values = await queues.map.getMany(unknown);
  values.forEach((text, position) => {
    if (text !== undefined) takeStoredName(recalled, unknown[position] as string, text);
  });
}
