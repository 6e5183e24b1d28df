import { DEFAULT_CELL, defaultPowerState, MAX_TAGS_PER_SERVER, tagProblem, type NovaFault, type ServerRecord, type TaskState, type VmState } from './model.js';

/** Why the server store refused a change. */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly code: 'not_found' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** A server to add; everything but the name has a default (an ACTIVE, running server). */
export interface NewServer {
  readonly id?: string;
  readonly name: string;
  readonly vmState?: VmState;
  readonly taskState?: TaskState | null;
  readonly powerState?: number;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly description?: string | null;
  /** The cells v2 cell holding it; default {@link DEFAULT_CELL}. */
  readonly cell?: string;
  /** Its latest fault (code, message, details); `created` is the store's clock. */
  readonly fault?: Omit<NovaFault, 'created'>;
}

/**
 * A change of a server's state; fields left out keep their value, except
 * `newerStatus`, which a new `vmState` clears (Nova derives the status again).
 */
export interface ServerStateChange {
  readonly vmState?: VmState;
  readonly taskState?: TaskState | null;
  readonly powerState?: number;
  /** A status from a later Nova ({@link ServerRecord.newerStatus}); null clears it. */
  readonly newerStatus?: string | null;
  /** A new latest fault; null clears it. */
  readonly fault?: Omit<NovaFault, 'created'> | null;
}

/**
 * How `seedDcmServers` marks the servers DCM manages. Nova tags are plain strings and
 * metadata is a string map, so the convention is: the tag `managed-by=dcm`
 * ({@link DCM_MANAGED_BY_TAG}) and the instance id under the metadata key
 * `dcm-instance-id` (or, with `instanceIdAs: 'tag'`, a tag `dcm-instance-id=inst-00042`).
 */
export interface SeedDcmOptions {
  /** Servers to create. */
  readonly count: number;
  /** How many of them (the first ones) DCM manages. */
  readonly tagged: number;
  /** The tag marking a managed server. Default `managed-by=dcm`. */
  readonly managedByTag?: string;
  /** Metadata key (and tag prefix) of the instance id. Default `dcm-instance-id`. */
  readonly instanceIdKey?: string;
  /** Where the instance id goes: metadata (default), a `key=value` tag, or both. */
  readonly instanceIdAs?: 'metadata' | 'tag' | 'both';
  /** Server names are `<prefix>-00001`…; default `vm`. */
  readonly namePrefix?: string;
  /** Instance ids are `inst-00001`… counted from this number; default 1. */
  readonly firstInstanceNumber?: number;
  readonly vmState?: VmState;
  /** The cells v2 cell of every seeded server; default {@link DEFAULT_CELL}. */
  readonly cell?: string;
}

/** A server created by `seedDcmServers`; `instanceId` is set on managed ones. */
export interface SeededServer {
  readonly serverId: string;
  readonly name: string;
  readonly instanceId?: string;
}

/** The tag `seedDcmServers` puts on managed servers unless told otherwise. */
export const DCM_MANAGED_BY_TAG = 'managed-by=dcm';
/** The metadata key (and tag prefix) of the DCM instance id unless told otherwise. */
export const DCM_INSTANCE_ID_KEY = 'dcm-instance-id';

/** One page of a walk through the servers, newest first. */
export type PageOutcome = { readonly ok: true; readonly servers: readonly ServerRecord[] } | { readonly ok: false; readonly reason: 'marker_not_found' };

/** What a page walk keeps. */
export interface PageQuery {
  /** Start after this server (it may be deleted, as Nova reads markers with deleted rows). */
  readonly marker?: string;
  readonly limit: number;
  /** Keep deleted servers (only `changes-since` listings show them). */
  readonly includeDeleted: boolean;
  readonly accept: (server: ServerRecord) => boolean;
}

/** The servers of one simulated project, kept in creation order for O(page) marker walks. */
export interface ServerStore {
  add(input: NewServer): ServerRecord;
  /** A server, deleted or not. */
  get(id: string): ServerRecord | undefined;
  /** A server that is not deleted. */
  getLive(id: string): ServerRecord | undefined;
  setState(id: string, change: ServerStateChange): ServerRecord;
  rename(id: string, name: string): ServerRecord;
  setTags(id: string, tags: readonly string[]): ServerRecord;
  addTag(id: string, tag: string): ServerRecord;
  removeTag(id: string, tag: string): ServerRecord;
  /** Moves a server's record to another cells v2 cell (what a down cell hides is chosen this way). */
  setCell(id: string, cell: string): ServerRecord;
  /** Merges (default) or replaces the metadata; a `null` value removes its key. */
  setMetadata(id: string, metadata: Readonly<Record<string, string | null>>, replace?: boolean): ServerRecord;
  /** Marks a server deleted (vm_state `deleted`, status DELETED); it leaves the default listing. */
  markDeleted(id: string): ServerRecord;
  /** Forgets a server entirely (a purged DB row): even `changes-since` stops showing it. */
  purge(id: string): boolean;
  /**
   * Purges the deleted records whose deletion is older than `time` (what `nova-manage db
   * archive_deleted_rows --before` does to the API's view); returns how many.
   */
  purgeDeletedBefore(time: number): number;
  seedDcmServers(options: SeedDcmOptions): SeededServer[];
  page(query: PageQuery): PageOutcome;
  /** Servers that are not deleted. */
  liveCount(): number;
  clear(): void;
}

/** Options of {@link createServerStore}. */
export interface ServerStoreOptions {
  readonly now: () => number;
  /** Id generator; default a UUID-shaped counter (`5e7e0000-0000-4000-8000-000000000001`…), so runs repeat. */
  readonly newServerId?: () => string;
}

function counterIds(): () => string {
  let next = 1;
  return () => `5e7e0000-0000-4000-8000-${(next++).toString(16).padStart(12, '0')}`;
}

function checkTags(tags: readonly string[]): string[] {
  const unique = [...new Set(tags)];
  for (const tag of unique) {
    const problem = tagProblem(tag);
    if (problem !== undefined) {
      throw new InventoryError('invalid', problem);
    }
  }
  if (unique.length > MAX_TAGS_PER_SERVER) {
    throw new InventoryError('invalid', `a server carries at most ${MAX_TAGS_PER_SERVER} tags, got ${unique.length}`);
  }
  return unique;
}

/** Creates an empty server store. */
export function createServerStore(options: ServerStoreOptions): ServerStore {
  let newId = options.newServerId ?? counterIds();
  // Creation order; purged servers leave a hole that compaction removes later.
  let order: (ServerRecord | undefined)[] = [];
  let positions = new Map<string, number>();
  let holes = 0;
  let live = 0;
  // Deleted records in deletion order, so purging the expired ones costs what it purges.
  let deletions: ServerRecord[] = [];

  function compactIfSparse(): void {
    if (holes < 1024 || holes * 2 < order.length) {
      return;
    }
    order = order.filter((server) => server !== undefined);
    positions = new Map(order.map((server, index) => [(server as ServerRecord).id, index]));
    holes = 0;
  }

  /** The server of an id, which must not be deleted. */
  function requireLive(id: string): ServerRecord {
    const server = store.get(id);
    if (server === undefined || server.deletedAt !== null) {
      throw new InventoryError('not_found', server === undefined ? `no server ${id}` : `server ${id} is deleted`);
    }
    return server;
  }

  function touch(server: ServerRecord): ServerRecord {
    server.updatedAt = options.now();
    return server;
  }

  const store: ServerStore = {
    add(input) {
      const id = input.id ?? newId();
      if (positions.has(id)) {
        throw new InventoryError('invalid', `server ${id} already exists`);
      }
      const now = options.now();
      const vmState = input.vmState ?? 'active';
      const server: ServerRecord = {
        id,
        name: input.name,
        vmState,
        taskState: input.taskState ?? null,
        powerState: input.powerState ?? defaultPowerState(vmState),
        tags: checkTags(input.tags ?? []),
        metadata: { ...input.metadata },
        description: input.description ?? null,
        locked: false,
        createdAt: now,
        updatedAt: now,
        launchedAt: vmState === 'building' ? null : now,
        deletedAt: null,
        cell: input.cell ?? DEFAULT_CELL,
        ...(input.fault === undefined ? {} : { fault: { ...input.fault, created: now } }),
      };
      positions.set(id, order.length);
      order.push(server);
      live += 1;
      return server;
    },
    get(id) {
      const position = positions.get(id);
      return position === undefined ? undefined : order[position];
    },
    getLive(id) {
      const server = store.get(id);
      return server?.deletedAt === null ? server : undefined;
    },
    setState(id, change) {
      const server = requireLive(id);
      if (change.vmState !== undefined) {
        if (change.vmState === 'deleted') {
          return store.markDeleted(id);
        }
        if (server.vmState === 'building' && change.vmState !== 'building' && server.launchedAt === null) {
          server.launchedAt = options.now();
        }
        server.vmState = change.vmState;
        server.newerStatus = undefined;
        if (change.powerState === undefined) {
          server.powerState = defaultPowerState(change.vmState);
        }
      }
      if (change.taskState !== undefined) {
        server.taskState = change.taskState;
      }
      if (change.powerState !== undefined) {
        server.powerState = change.powerState;
      }
      if (change.newerStatus !== undefined) {
        if (change.newerStatus === '') {
          throw new InventoryError('invalid', 'newerStatus must not be empty');
        }
        server.newerStatus = change.newerStatus ?? undefined;
      }
      if (change.fault !== undefined) {
        server.fault = change.fault === null ? undefined : { ...change.fault, created: options.now() };
      }
      return touch(server);
    },
    rename(id, name) {
      const server = requireLive(id);
      server.name = name;
      return touch(server);
    },
    // Tag changes leave `updated` alone: Nova writes only its `tags` table (nova/db/main/api.py
    // instance_tag_add, instance_tag_set, instance_tag_delete) and the server-tags API never saves
    // the instance (nova/api/openstack/compute/server_tags.py), so `changes-since` does not see them.
    setTags(id, tags) {
      const server = requireLive(id);
      server.tags = checkTags(tags);
      return server;
    },
    addTag(id, tag) {
      const server = requireLive(id);
      server.tags = checkTags([...server.tags, tag]);
      return server;
    },
    removeTag(id, tag) {
      const server = requireLive(id);
      server.tags = server.tags.filter((existing) => existing !== tag);
      return server;
    },
    setCell(id, cell) {
      const server = requireLive(id);
      if (cell === '') {
        throw new InventoryError('invalid', 'a cell name must not be empty');
      }
      // A cell move is not a change a user sees: `updated` stays.
      server.cell = cell;
      return server;
    },
    setMetadata(id, metadata, replace = false) {
      const server = requireLive(id);
      const next: Record<string, string> = replace ? {} : { ...server.metadata };
      for (const [key, value] of Object.entries(metadata)) {
        if (key === '' || key.length > 255 || (value !== null && value.length > 255)) {
          throw new InventoryError('invalid', `metadata key and value must be 1-255 and 0-255 characters (key "${key}")`);
        }
        if (value === null) {
          delete next[key];
        } else {
          next[key] = value;
        }
      }
      server.metadata = next;
      return touch(server);
    },
    markDeleted(id) {
      const server = requireLive(id);
      const now = options.now();
      server.vmState = 'deleted';
      server.taskState = null;
      server.powerState = defaultPowerState('deleted');
      server.deletedAt = now;
      server.updatedAt = now;
      // `instance_destroy` (nova/db/main/api.py) deletes the server's tag rows outright and
      // soft-deletes its metadata rows, which list reads leave out (`_instance_metadata_get_multi`
      // reads with the context's read_deleted="no"): the deleted record shows neither, so it no
      // longer matches a `tags` filter.
      server.tags = [];
      server.metadata = {};
      deletions.push(server);
      live -= 1;
      return server;
    },
    purgeDeletedBefore(time) {
      let purged = 0;
      while (deletions.length > 0) {
        const oldest = deletions[0] as ServerRecord;
        if (oldest.deletedAt !== null && oldest.deletedAt >= time) {
          break;
        }
        deletions.shift();
        // A record purged (or restored) by other means since is skipped.
        if (oldest.deletedAt !== null && store.get(oldest.id) === oldest && store.purge(oldest.id)) {
          purged += 1;
        }
      }
      return purged;
    },
    purge(id) {
      const position = positions.get(id);
      const server = position === undefined ? undefined : order[position];
      if (position === undefined || server === undefined) {
        return false;
      }
      if (server.deletedAt === null) {
        live -= 1;
      }
      order[position] = undefined;
      positions.delete(id);
      holes += 1;
      compactIfSparse();
      return true;
    },
    seedDcmServers(seed) {
      const managedByTag = seed.managedByTag ?? DCM_MANAGED_BY_TAG;
      const key = seed.instanceIdKey ?? DCM_INSTANCE_ID_KEY;
      const placement = seed.instanceIdAs ?? 'metadata';
      const prefix = seed.namePrefix ?? 'vm';
      const first = seed.firstInstanceNumber ?? 1;
      const seeded: SeededServer[] = [];
      for (let index = 0; index < seed.count; index += 1) {
        const name = `${prefix}-${String(first + index).padStart(5, '0')}`;
        if (index >= seed.tagged) {
          seeded.push({ serverId: store.add({ name, vmState: seed.vmState, cell: seed.cell }).id, name });
          continue;
        }
        const instanceId = `inst-${String(first + index).padStart(5, '0')}`;
        const tags = placement === 'metadata' ? [managedByTag] : [managedByTag, `${key}=${instanceId}`];
        const metadata = placement === 'tag' ? {} : { [key]: instanceId };
        seeded.push({ serverId: store.add({ name, vmState: seed.vmState, tags, metadata, cell: seed.cell }).id, name, instanceId });
      }
      return seeded;
    },
    page(query) {
      let start = order.length - 1;
      if (query.marker !== undefined) {
        const position = positions.get(query.marker);
        if (position === undefined) {
          return { ok: false, reason: 'marker_not_found' };
        }
        start = position - 1;
      }
      const servers: ServerRecord[] = [];
      // Newest first, as Nova's default sort (created_at desc, then id desc).
      for (let index = start; index >= 0 && servers.length < query.limit; index -= 1) {
        const server = order[index];
        if (server !== undefined && (query.includeDeleted || server.deletedAt === null) && query.accept(server)) {
          servers.push(server);
        }
      }
      return { ok: true, servers };
    },
    liveCount: () => live,
    clear() {
      order = [];
      positions = new Map();
      deletions = [];
      holes = 0;
      live = 0;
      newId = options.newServerId ?? counterIds();
    },
  };
  return store;
}
