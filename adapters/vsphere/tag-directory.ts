import type { Logger } from 'pino';
import type { Selector } from '../../src/config/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../src/errors/index.js';
import { chunks, mapLimited } from './concurrency.js';
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
 * time, so names are cached for the life of the connection.
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
  const { api, selector, endpoint, concurrency, logger } = options;
  let categories: CategoryIds | undefined;
  let managedByTagId: string | undefined;
  const instanceTagNames = new Map<string, string>();

  const missing = (what: string, key: string): BridgeError =>
    new BridgeError(
      ErrorCode.ListIncomplete,
      `vsphere endpoint ${endpoint}: vCenter has no ${what} (${key}); create it as adapters/vsphere/README.md describes. Nothing is listed, so nothing is deleted.`,
      { endpoint, platform: 'vsphere' },
    );

  /** Gets objects a few at a time until every wanted name is found; returns name → id. */
  const findByName = async (ids: readonly string[], wanted: readonly string[], get: (id: string) => Promise<NamedObject>): Promise<Map<string, string>> => {
    const found = new Map<string, string>();
    for (const slice of chunks(ids, concurrency)) {
      const objects = await mapLimited(slice, concurrency, (id) => get(id).catch(undefinedWhenGone));
      objects.forEach((object, index) => {
        if (object && wanted.includes(object.name) && !found.has(object.name)) found.set(object.name, slice[index] as string);
      });
      if (found.size === wanted.length) break;
    }
    return found;
  };

  const lookUpCategories = async (signal: AbortSignal): Promise<CategoryIds> => {
    const ids = await api.listCategoryIds(signal);
    const found = await findByName(ids, [selector.managedByKey, selector.instanceIdKey], (id) => api.getCategory(id, signal));
    const managedBy = found.get(selector.managedByKey);
    const instanceId = found.get(selector.instanceIdKey);
    if (managedBy === undefined) throw missing(`tag category "${selector.managedByKey}"`, 'selector.managedByKey');
    if (instanceId === undefined) throw missing(`tag category "${selector.instanceIdKey}"`, 'selector.instanceIdKey');
    logger.info({ categories: ids.length }, 'found the DCM tag categories');
    return { managedBy, instanceId };
  };

  const lookUpManagedByTag = async (categoryId: string, signal: AbortSignal): Promise<string> => {
    const ids = await api.listTagIdsForCategory(categoryId, signal);
    const tagId = (await findByName(ids, [selector.managedByValue], (id) => api.getTag(id, signal))).get(selector.managedByValue);
    if (tagId === undefined) throw missing(`tag "${selector.managedByValue}" in category "${selector.managedByKey}"`, 'selector.managedByValue');
    return tagId;
  };

  const instanceTags = async (categoryId: string, signal: AbortSignal): Promise<Map<string, string>> => {
    const ids = await api.listTagIdsForCategory(categoryId, signal);
    const listed = new Set(ids);
    for (const id of instanceTagNames.keys()) if (!listed.has(id)) instanceTagNames.delete(id);
    const unknown = ids.filter((id) => !instanceTagNames.has(id));
    // Each name is kept as soon as it arrives: a first poll that fails or times out half-way is not lost work.
    await mapLimited(unknown, concurrency, async (id) => {
      const tag = await api.getTag(id, signal).catch(undefinedWhenGone);
      if (tag) instanceTagNames.set(id, tag.name);
    });
    if (unknown.length > 0) logger.debug({ fetched: unknown.length, cached: instanceTagNames.size }, 'fetched the names of new instance-id tags');
    return new Map(ids.flatMap((id) => (instanceTagNames.has(id) ? [[id, instanceTagNames.get(id) as string] as const] : [])));
  };

  const attempt = async (signal: AbortSignal): Promise<SelectorTags> => {
    categories ??= await lookUpCategories(signal);
    managedByTagId ??= await lookUpManagedByTag(categories.managedBy, signal);
    return { managedByTagId, instanceIdTags: await instanceTags(categories.instanceId, signal) };
  };

  const directory: TagDirectory = {
    async resolve(signal) {
      const fromCache = categories !== undefined;
      try {
        return await attempt(signal);
      } catch (error) {
        // A cached category that vCenter no longer knows (deleted and re-created): look up once more.
        if (!fromCache || !isBridgeError(error, ErrorCode.PlatformHttp) || error.context.status !== 404) throw error;
        logger.info('a cached tag category is gone; looking the categories up again');
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
