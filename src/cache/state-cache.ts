import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { BridgeError, ErrorCode } from '../errors/index.js';
import { decodeIndexEntry, decodeListingCursor, decodeOutboxEntry, decodeRecord, encodeIndexEntry, encodeListingCursor, encodeOutboxEntry, encodeRecord } from './encoding.js';
import { memoryHotStore, redisHotStore, type HotStore, type HotWrite, type RedisHotCommands } from './hot-store.js';
import type { ScriptClient } from './lua.js';
import { forgetEndpointStore, hotEndpointStore, type StoreGuard } from './endpoint-store.js';
import type { EndpointStore } from '../adapter/index.js';
import type { VmStatus } from '../normalize/index.js';
import { createInTurn } from '../concurrency/index.js';
import { createIndexMemory, type IndexMemory } from './index-memory.js';
import { followRedisLink, type RedisLinkEvents } from './link-watch.js';

/** What the bridge remembers of one instance: the state DCM was last told, and when. */
export interface InstanceRecord {
  readonly platformId: string;
  /** The DCM instance id the last event carried. */
  readonly instanceId: string;
  readonly status: VmStatus;
  readonly message: string;
  readonly rawState: string | null;
  readonly name?: string;
  /** Transitions published for this platform instance so far; part of the event id. */
  readonly sequence: number;
  /** RFC 3339: when the published state was observed. */
  readonly observedTime: string;
  /** RFC 3339: when the status last changed. */
  readonly lastTransitionTime: string;
}

/**
 * What the index keeps of one member: enough to judge an unchanged instance
 * without reading its record, and to know which instance owns a DCM id.
 */
export interface IndexEntry {
  /** Consecutive complete lists it has been missing from (0 = present). */
  readonly missedLists: number;
  /**
   * The DCM id DCM hears it under: set from the moment its first event is
   * recorded for publishing. Absent for listed instances DCM hears nothing
   * of (an invalid id, an id another instance owns, no state yet).
   */
  readonly instanceId?: string;
  /** The status last committed (published and acknowledged); absent while none is. */
  readonly status?: VmStatus;
}

/**
 * The instances an endpoint's complete lists have contained (and those
 * whose first event is recorded), by platform id.
 */
export interface EndpointIndex {
  readonly members: ReadonlyMap<string, IndexEntry>;
  /** The cache epoch the endpoint's states were last published in; another one means DCM must hear them again. */
  readonly epoch?: string;
}

/** Changes to an endpoint's index, written with the other parts of a {@link StateWrite}. */
export interface IndexUpdate {
  /** Entries set (each replaces the member's entry). */
  readonly set?: ReadonlyMap<string, IndexEntry>;
  /** Members that leave. */
  readonly remove?: readonly string[];
  /** The epoch the endpoint's states are now published in. */
  readonly epoch?: string;
}

/**
 * Where an endpoint's next incremental listing resumes (the adapter's own
 * cursor), and what it is valid for. Written only after every event of the
 * poll that produced it was acknowledged and committed, so it never moves
 * past what DCM heard.
 */
export interface ListingCursor {
  /** The adapter's cursor, opaque here. */
  readonly value: string;
  /** When the full list this cursor descends from began (epoch ms): a full list is due `fullListSeconds` after. */
  readonly fullListAt: number;
  /** The cache epoch it was written in: in another one the states it builds on may be gone. */
  readonly epoch: string;
  /** What the endpoint listed (platform, URL, selector…): a changed endpoint lists in full again. */
  readonly scope: string;
}

/**
 * An event recorded before it is published (invariant 2): the transition it
 * announces, and the exact bytes sent, so a retry after a crash, a lost ack
 * or a failed commit resends the same event, unchanged, before anything newer.
 */
export interface OutboxEntry {
  /** The record committed once the broker acknowledges the event. */
  readonly record: InstanceRecord;
  /** The platform id leaves the endpoint's index once the event is acknowledged (a DELETED). */
  readonly leavesIndex: boolean;
  readonly event: { readonly subject: string; readonly id: string; readonly body: string };
}

/**
 * The generation of the cache's contents. A new epoch starts whenever the
 * cache cannot vouch for its contents (its marker is missing, or Redis
 * restarted and may have reloaded an older snapshot). Event ids include the
 * epoch, so the states re-published after a loss never reuse an id.
 */
export interface CacheEpoch {
  readonly id: string;
  /** Epoch ms when this process started it; undefined when it was found in place. */
  readonly startedAt?: number;
  /** Why this process started it (for the logs). */
  readonly reason?: string;
}

/** Writes that land together (one MULTI on Redis): a crash never leaves half of them. */
export interface StateWrite {
  readonly records?: readonly InstanceRecord[];
  readonly index?: IndexUpdate;
  /** Events recorded before they are published; an instance has at most one (its platform id keys it). */
  readonly outboxAdd?: readonly OutboxEntry[];
  /** Platform ids whose recorded event is settled (acknowledged and committed). */
  readonly outboxRemove?: readonly string[];
}

/**
 * The lease an endpoint's state is written under: a write carrying it lands
 * only while the endpoint's lease key still holds `<replica> <token>`.
 */
export interface Fence {
  readonly replica: string;
  readonly token: number;
}

/** What an endpoint's lease key holds while `fence` holds the lease: `<replica> <token>`. */
export function leaseHolderValue(fence: Fence): string {
  return `${fence.replica} ${fence.token}`;
}

/** The keys replicas coordinate through (membership, leases, registration news), beside the state they guard. */
export interface ClusterKeys {
  /** Sorted set: replica id → expiry (epoch ms of Redis's clock). */
  readonly members: string;
  /** `<replicaId> <token>` while a replica holds the endpoint's lease. */
  lease(endpoint: string): string;
  /** The counter fencing tokens are drawn from; it only rises. */
  leaseToken(endpoint: string): string;
  /** When the current holder took the lease (epoch ms of Redis's clock); expires with it. */
  leaseTaken(endpoint: string): string;
  /** Pub/sub channel announcing registration changes (`{id, action}`). */
  readonly registrations: string;
}

/** The key layout of {@link ClusterKeys} under a cache namespace. */
export function clusterKeys(namespace: string): ClusterKeys {
  return {
    members: `${namespace}:v2:cluster:members`,
    lease: (endpoint) => `${namespace}:v2:cluster:lease:${endpoint}`,
    leaseToken: (endpoint) => `${namespace}:v2:cluster:lease-token:${endpoint}`,
    leaseTaken: (endpoint) => `${namespace}:v2:cluster:lease-taken:${endpoint}`,
    registrations: `${namespace}:v2:cluster:registrations`,
  };
}

/** The node-redis client under the cache, as the cluster layer uses it. */
export interface CoordinationClient extends ScriptClient {
  /** A new client with the same options (not yet connected): a pub/sub subscriber needs a connection of its own. */
  duplicate(): unknown;
}

/**
 * Where replicas coordinate: the cache's own store, so a fenced write checks
 * the very lease key the cluster layer takes and renews.
 */
export interface CoordinationStore {
  readonly keys: ClusterKeys;
  /** The cache's Redis client (a Redis cache only). */
  readonly redis?: CoordinationClient;
  /** The cache's in-memory store (a memory cache only: one process, for tests). */
  readonly memory?: HotStore;
}

/**
 * The persistent state of the diff stage. Every method throws a
 * `CACHE_FAILED` BridgeError on failure; none ever answers "not found"
 * because the store was unreachable.
 */
export interface StateCache {
  readonly kind: 'redis' | 'memory';
  readInstances(endpoint: string, platformIds: readonly string[]): Promise<Array<InstanceRecord | undefined>>;
  /**
   * The endpoint's index. The returned members never change afterwards; a
   * later write shows in the next read.
   *
   * Each view of the cache (this one, each `fenced` one) can keep an
   * endpoint's index in memory between reads, carrying its own writes
   * forward, and re-reads the whole hash only when the index's version key
   * shows another write (index-memory.ts). A read with `remember` keeps
   * what it read whole: the poller's reads do; others (the status API's,
   * which walk every endpoint) use what is kept but keep nothing.
   */
  readIndex(endpoint: string, options?: { readonly remember?: boolean }): Promise<EndpointIndex>;
  /**
   * Drops what this view keeps in memory of the endpoint's index (the
   * process stopped polling it: removed, replaced, or its lease went to
   * another replica). The stored state is untouched.
   */
  dropIndexMemory(endpoint: string): void;
  /** The events recorded but not yet committed, in platform id order. */
  readOutbox(endpoint: string): Promise<readonly OutboxEntry[]>;
  /** Writes atomically; DELETED records are kept as tombstones for `tombstoneSeconds` so sequences keep counting. */
  writeState(endpoint: string, write: StateWrite): Promise<void>;
  /**
   * The current epoch, checked against the store: when its marker is gone
   * (flushed, an empty Redis) or Redis restarted since the marker was written
   * (it may have loaded an older snapshot), a new epoch starts and is returned.
   */
  currentEpoch(): Promise<CacheEpoch>;
  /** Starts a new epoch now (the broker showed that the cache forgot events it published). */
  renewEpoch(reason: string): Promise<CacheEpoch>;
  /** When the endpoint's last poll started (epoch ms), kept across restarts for the minimum interval. */
  readPollStart(endpoint: string): Promise<number | undefined>;
  writePollStart(endpoint: string, at: number): Promise<void>;
  /** The endpoint's listing cursor; `'unreadable'` when what is stored cannot be read (the caller lists in full and overwrites it). */
  readListingCursor(endpoint: string): Promise<ListingCursor | 'unreadable' | undefined>;
  /** Stores the endpoint's listing cursor; `null` removes it. */
  writeListingCursor(endpoint: string, cursor: ListingCursor | null): Promise<void>;
  /** Drops an endpoint's index, outbox and listing cursor (its records expire or are overwritten). */
  forgetEndpoint(endpoint: string): Promise<void>;
  /**
   * What the endpoint's adapter keeps across restarts (`AdapterContext.store`):
   * Redis hashes beside the state, or Maps when the cache is in memory. Its
   * methods throw `CACHE_FAILED` like the rest of the cache.
   */
  adapterStore(endpoint: string): EndpointStore;
  /** Deletes everything the endpoint's adapter stored (the endpoint was removed). */
  forgetAdapterStore(endpoint: string): Promise<void>;
  /**
   * Small JSON documents kept beside the state, by kind and id (REST
   * registrations of endpoints). Writes of one cache are serialized, so the
   * per-kind id list stays consistent within a process.
   */
  readDocument(kind: string, id: string): Promise<unknown>;
  /** Every document of `kind`, in id order. */
  listDocuments(kind: string): Promise<Array<{ readonly id: string; readonly value: unknown }>>;
  writeDocument(kind: string, id: string, value: unknown): Promise<void>;
  deleteDocument(kind: string, id: string): Promise<void>;
  /**
   * A view of this cache whose writes of an endpoint's state
   * (`writeState`, `writeListingCursor`, `writePollStart`) are fenced: each
   * is one atomic step that first checks the endpoint's lease still holds
   * `fenceOf(endpoint)`, and refuses the whole write with `LEASE_LOST`
   * otherwise (also when `fenceOf` answers undefined). Reads and every other
   * method are this cache's.
   */
  fenced(fenceOf: (endpoint: string) => Fence | undefined): StateCache;
  /** The store replicas coordinate through. */
  readonly coordination: CoordinationStore;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  /**
   * Calls `listener` each time Redis is ready again after the link was lost
   * (not at the first connect); `listener` must not throw. Absent for the
   * in-memory cache, which has no link to lose.
   */
  onLinkUp?(listener: () => void): void;
  close(): Promise<void>;
}

/** TLS of a `rediss://` connection: PEM files read when the cache opens. */
export interface RedisTlsOptions {
  /** CAs trusted for the server's certificate instead of the system's. */
  readonly caFile?: string | null;
  /** Client certificate and key, for a Redis with `tls-auth-clients yes`. */
  readonly certFile?: string | null;
  readonly keyFile?: string | null;
  /** Skips the server certificate check (tests only). */
  readonly insecureSkipVerify?: boolean;
}

export interface StateCacheOptions {
  /** `redis://` or `rediss://` URL, without user info; empty for an in-memory store. */
  readonly url: string;
  readonly namespace: string;
  /** Redis ACL user; absent authenticates as `default`. */
  readonly username?: string | null;
  /** Password of `username`, or the `requirepass` password. Never appears in an error. */
  readonly password?: string | null;
  /** Used with a `rediss://` url only. */
  readonly tls?: RedisTlsOptions;
  /** How long a DELETED record is kept (default 7 days). */
  readonly tombstoneSeconds?: number;
  /** Connect timeout in milliseconds (default 5000). */
  readonly connectTimeoutMs?: number;
  /** Source of the time stamps of new epochs (the bridge's clock). */
  readonly now?: () => number;
  /** Told the duration of every operation, for the latency metric. */
  readonly onOperation?: (operation: string, seconds: number, ok: boolean) => void;
}

/**
 * The hot state's keys, outside keyv (see hot-store.ts). Their layout is
 * versioned with the epoch marker: a cache written by an older layout holds
 * no marker under this name, so its first poll starts a new epoch and
 * re-publishes every state (with the recall, DCM's stream repairs the rest).
 */
const hotKeys = (namespace: string) => ({
  instance: (endpoint: string, platformId: string): string => `${namespace}:v2:instance:${endpoint}:${platformId}`,
  index: (endpoint: string): string => `${namespace}:v2:index:${endpoint}`,
  indexEpoch: (endpoint: string): string => `${namespace}:v2:index-epoch:${endpoint}`,
  /** A token every write of the index or its epoch replaces with a new one, in the same atomic step (index-memory.ts). */
  indexVersion: (endpoint: string): string => `${namespace}:v2:index-version:${endpoint}`,
  outbox: (endpoint: string): string => `${namespace}:v2:outbox:${endpoint}`,
  listingCursor: (endpoint: string): string => `${namespace}:v2:cursor:${endpoint}`,
  pollStart: (endpoint: string): string => `${namespace}:v2:pollstart:${endpoint}`,
  adapterStore: (endpoint: string) => ({
    map: (use: string): string => `${namespace}:v2:adapter:${endpoint}:${use}`,
    uses: `${namespace}:v2:adapter-uses:${endpoint}`,
  }),
});
/** Where poll starts were kept before they moved beside the state (read as a fallback, so the floor holds across the upgrade). */
const legacyPollStartKey = (endpoint: string): string => `pollstart:${endpoint}`;
const epochKey = 'epoch-v2';
const documentKey = (kind: string, id: string): string => `doc:${kind}:${id}`;
const documentListKey = (kind: string): string => `docs:${kind}`;

/** What the store keeps of the epoch. */
interface EpochMarker {
  readonly id: string;
  readonly serverRunId: string;
  readonly startedAt?: number;
}

/**
 * Opens the state cache: Redis through @keyv/redis (records, index and outbox
 * on its client directly, the rest through keyv), or Maps when `url` is
 * empty. Redis errors are thrown, not swallowed (keyv's
 * default is to emit them and answer "not found", which would republish or
 * lose state), and commands fail at once while Redis is unreachable instead of
 * queueing, so a poll fails fast and retries later.
 */
export async function openStateCache(options: StateCacheOptions): Promise<StateCache> {
  const backend = openBackend(options);
  const { hot, keys } = backend;
  const guard: StoreGuard = (operation, action) => guarded(backend, operation, action);
  const cache: StateCache = {
    kind: backend.kind,
    ...stateReads(backend),
    ...indexedState(backend, createIndexMemory()),
    ...endpointWrites(backend),
    ...epochCalls(backend),
    adapterStore: (endpoint) => hotEndpointStore(hot, keys.adapterStore(endpoint), guard),
    forgetAdapterStore: (endpoint) => guard('forget adapter store', () => forgetEndpointStore(hot, keys.adapterStore(endpoint))),
    ...documentCalls(backend),
    fenced: (fenceOf) => ({ ...cache, ...indexedState(backend, createIndexMemory(), fenceOf), ...endpointWrites(backend, fenceOf), fenced: cache.fenced }),
    coordination: backend.coordination,
    ...(backend.store ? { onLinkUp: linkUpListeners(backend.store) } : {}),
    ping: () =>
      guard('ping', async () => {
        await backend.keyv.get('ping');
      }),
    close: async () => {
      await backend.keyv.disconnect().catch(() => undefined);
    },
  };
  if (backend.store) await connectAndTry(backend.store, cache, options.connectTimeoutMs ?? 5000);
  return cache;
}

/** Registers listeners told when the client is ready again after losing its link (commands fail at once meanwhile: no offline queue). */
function linkUpListeners(store: KeyvRedis<unknown>): (listener: () => void) => void {
  const listeners = new Set<() => void>();
  followRedisLink(store.client as unknown as RedisLinkEvents, () => {
    for (const listener of listeners) listener();
  });
  return (listener) => void listeners.add(listener);
}

/** What the cache's operations share: the stores, the keys, and the epoch check in progress. */
interface CacheBackend {
  readonly options: StateCacheOptions;
  readonly kind: 'redis' | 'memory';
  /** Undefined for the in-memory cache. */
  readonly store: KeyvRedis<unknown> | undefined;
  readonly keyv: Keyv<unknown>;
  readonly hot: HotStore;
  readonly keys: ReturnType<typeof hotKeys>;
  readonly coordination: CoordinationStore;
  readonly tombstoneMs: number;
  // keyv has no sets: the id list is read, changed and written back, so writes take turns.
  readonly inTurn: ReturnType<typeof createInTurn>;
  /** Endpoints polling at once share one check, so a lost cache starts one epoch, not one per endpoint. */
  epochCheck: Promise<CacheEpoch> | undefined;
}

function openBackend(options: StateCacheOptions): CacheBackend {
  const store = options.url
    ? new KeyvRedis(
        {
          url: options.url,
          ...(options.username ? { username: options.username } : {}),
          ...(options.password ? { password: options.password } : {}),
          disableOfflineQueue: true,
          socket: { connectTimeout: options.connectTimeoutMs ?? 5000, reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5000), ...redisTlsSocketOptions(options) },
        },
        { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: options.connectTimeoutMs ?? 5000 },
      )
    : undefined;
  const keyv = new Keyv<unknown>({ ...(store ? { store } : {}), namespace: options.namespace, throwOnErrors: true, emitErrors: false });
  const hot = store ? redisHotStore(store.client as unknown as RedisHotCommands) : memoryHotStore();
  return {
    options,
    kind: options.url ? 'redis' : 'memory',
    store,
    keyv,
    hot,
    keys: hotKeys(options.namespace),
    coordination: { keys: clusterKeys(options.namespace), ...(store ? { redis: store.client as unknown as CoordinationClient } : { memory: hot }) },
    tombstoneMs: (options.tombstoneSeconds ?? 7 * 24 * 3600) * 1000,
    inTurn: createInTurn(),
    epochCheck: undefined,
  };
}

/** Times one operation for the metric and turns its failure into `CACHE_FAILED` (a refused fenced write stays `LEASE_LOST`). */
async function guarded<T>(backend: CacheBackend, operation: string, action: () => Promise<T>): Promise<T> {
  const { onOperation } = backend.options;
  const started = performance.now();
  try {
    const result = await action();
    onOperation?.(operation, (performance.now() - started) / 1000, true);
    return result;
  } catch (error) {
    onOperation?.(operation, (performance.now() - started) / 1000, false);
    // A refused fenced write is not a cache failure: the caller must stop, not retry.
    if (error instanceof BridgeError && error.code === ErrorCode.LeaseLost) throw error;
    throw new BridgeError(ErrorCode.CacheFailed, `state cache (${backend.kind}) ${operation} failed: ${(error as Error).message}`, { operation }, { cause: error });
  }
}

/** A stored value the bridge cannot read is named by its key, so an operator can inspect or delete it. */
function decoded<T>(key: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new Error(`the value at key ${key} is unreadable (${(error as Error).message}); deleting the key makes the bridge treat the instance as new`, { cause: error });
  }
}

/** The reads of an endpoint's state: records, outbox, last poll start, listing cursor. */
function stateReads(backend: CacheBackend): Pick<StateCache, 'readInstances' | 'readOutbox' | 'readPollStart' | 'readListingCursor'> {
  const { hot, keys, keyv } = backend;
  return {
    readInstances: (endpoint, platformIds) =>
      guarded(backend, 'read', async () => {
        const texts = await hot.get(platformIds.map((platformId) => keys.instance(endpoint, platformId)));
        return texts.map((text, position) => (text === null ? undefined : decoded(keys.instance(endpoint, platformIds[position] as string), () => decodeRecord(platformIds[position] as string, text))));
      }),
    readOutbox: (endpoint) =>
      guarded(backend, 'read outbox', async () => {
        const fields = [...(await hot.readHash(keys.outbox(endpoint)))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return fields.map(([platformId, text]) => decoded(keys.outbox(endpoint), () => decodeOutboxEntry(platformId, text)));
      }),
    readPollStart: (endpoint) =>
      guarded(backend, 'read poll start', async () => {
        const [[text], legacy] = await Promise.all([hot.get([keys.pollStart(endpoint)]), keyv.get(legacyPollStartKey(endpoint)) as Promise<number | undefined>]);
        const kept = text === null || text === undefined ? undefined : Number(text);
        const starts = [kept, legacy].filter((at): at is number => typeof at === 'number' && Number.isFinite(at));
        return starts.length === 0 ? undefined : Math.max(...starts);
      }),
    readListingCursor: (endpoint) =>
      guarded(backend, 'read listing cursor', async () => {
        const [text] = await hot.get([keys.listingCursor(endpoint)]);
        if (text === null || text === undefined) return undefined;
        try {
          return decodeListingCursor(text);
        } catch {
          return 'unreadable' as const;
        }
      }),
  };
}

/**
 * One view's index reads and state writes, sharing its {@link IndexMemory}:
 * a write that changes the index replaces the version token in the same
 * atomic step, and a read re-reads the hash only when the token is not the
 * one this view last saw.
 */
function indexedState(backend: CacheBackend, memory: IndexMemory, fenceOf?: (endpoint: string) => Fence | undefined): Pick<StateCache, 'readIndex' | 'dropIndexMemory' | 'writeState' | 'forgetEndpoint'> {
  const { hot, keys } = backend;
  // A fenced view's memory holds only under the fence it was read or written with (see index-memory.ts).
  const scopeOf = (endpoint: string): string => {
    const fence = fenceOf?.(endpoint);
    return fence ? leaseHolderValue(fence) : '';
  };
  return {
    readIndex: (endpoint, options) =>
      guarded(backend, 'read index', async () => {
        const scope = scopeOf(endpoint);
        const [stored = null] = await hot.get([keys.indexVersion(endpoint)]);
        const known = memory.recall(endpoint, scope, stored);
        if (known) return known;
        const remember = options?.remember === true;
        // An index written before version keys existed gets one first, so the read below is checked like any other.
        const token = stored ?? (remember ? await hot.setIfAbsent(keys.indexVersion(endpoint), randomUUID()) : undefined) ?? null;
        // One connection answers in order: the token read after the hash equals the one before only if no write came between.
        const [fields, [epoch, tokenAfter = null]] = await Promise.all([hot.readHash(keys.index(endpoint)), hot.get([keys.indexEpoch(endpoint), keys.indexVersion(endpoint)])]);
        const members = new Map<string, IndexEntry>();
        for (const [platformId, text] of fields) members.set(platformId, decoded(keys.index(endpoint), () => decodeIndexEntry(text)));
        const index: EndpointIndex = epoch === null || epoch === undefined ? { members } : { members, epoch };
        if (remember && token !== null && tokenAfter === token) memory.remember(endpoint, scope, token, index);
        return index;
      }),
    dropIndexMemory: (endpoint) => memory.forget(endpoint),
    writeState: (endpoint, write) =>
      guarded(backend, 'write', async () => {
        const writes = stateWrites(backend, endpoint, write);
        if (writes.length === 0) return;
        const indexKeys = [keys.index(endpoint), keys.indexEpoch(endpoint)];
        if (!writes.some((one) => indexKeys.includes(one.key))) {
          await applyFor(backend, endpoint, writes, fenceOf);
          return;
        }
        const token = randomUUID();
        const settle = memory.beginWrite(endpoint, scopeOf(endpoint), write.index ?? {});
        try {
          const [replaced = null] = await applyFor(backend, endpoint, [...writes, { op: 'swap', key: keys.indexVersion(endpoint), value: token }], fenceOf);
          settle({ replaced, token });
        } catch (error) {
          settle(undefined);
          throw error;
        }
      }),
    forgetEndpoint: (endpoint) =>
      guarded(backend, 'forget endpoint', async () => {
        memory.forget(endpoint);
        const deletes = [keys.index(endpoint), keys.indexEpoch(endpoint), keys.outbox(endpoint), keys.listingCursor(endpoint)].map((key) => ({ op: 'delete', key }) as const);
        // A fresh token, not none: a read that began before the delete must not take the old hash for the current one (see readIndex).
        await hot.apply([...deletes, { op: 'set', key: keys.indexVersion(endpoint), value: randomUUID(), ttlMs: forgottenVersionMs }]);
      }),
  };
}

/** How long a forgotten endpoint's version token outlives it: far longer than any read in flight. */
const forgottenVersionMs = 24 * 3600 * 1000;

/** The writes of an endpoint's poll bookkeeping, fenced or not. */
function endpointWrites(backend: CacheBackend, fenceOf?: (endpoint: string) => Fence | undefined): Pick<StateCache, 'writePollStart' | 'writeListingCursor'> {
  const { keys } = backend;
  return {
    writePollStart: (endpoint, at) =>
      guarded(backend, 'write poll start', async () => {
        await applyFor(backend, endpoint, [{ op: 'set', key: keys.pollStart(endpoint), value: String(at) }], fenceOf);
      }),
    writeListingCursor: (endpoint, cursor) =>
      guarded(backend, 'write listing cursor', async () => {
        const key = keys.listingCursor(endpoint);
        await applyFor(backend, endpoint, [cursor === null ? { op: 'delete', key } : { op: 'set', key, value: encodeListingCursor(cursor) }], fenceOf);
      }),
  };
}

/** One state write as the hot store's writes: records (a DELETED one expires), index changes, outbox additions and removals. */
function stateWrites(backend: CacheBackend, endpoint: string, write: StateWrite): HotWrite[] {
  const { keys, tombstoneMs } = backend;
  const writes: HotWrite[] = [];
  for (const record of write.records ?? []) {
    const key = keys.instance(endpoint, record.platformId);
    writes.push({ op: 'set', key, value: encodeRecord(record), ...(record.status === 'DELETED' ? { ttlMs: tombstoneMs } : {}) });
  }
  const index = write.index;
  if (index?.set && index.set.size > 0) writes.push({ op: 'setFields', key: keys.index(endpoint), fields: new Map([...index.set].map(([platformId, entry]) => [platformId, encodeIndexEntry(entry)])) });
  if (index?.remove && index.remove.length > 0) writes.push({ op: 'deleteFields', key: keys.index(endpoint), fields: index.remove });
  if (index?.epoch !== undefined) writes.push({ op: 'set', key: keys.indexEpoch(endpoint), value: index.epoch });
  if (write.outboxAdd && write.outboxAdd.length > 0) writes.push({ op: 'setFields', key: keys.outbox(endpoint), fields: new Map(write.outboxAdd.map((entry) => [entry.record.platformId, encodeOutboxEntry(entry)])) });
  if (write.outboxRemove && write.outboxRemove.length > 0) writes.push({ op: 'deleteFields', key: keys.outbox(endpoint), fields: write.outboxRemove });
  return writes;
}

/**
 * Every write of an endpoint's state goes through here: fenced when
 * `fenceOf` is given, one MULTI otherwise. Answers what each `swap` found.
 */
async function applyFor(backend: CacheBackend, endpoint: string, writes: HotWrite[], fenceOf: ((endpoint: string) => Fence | undefined) | undefined): Promise<Array<string | null>> {
  const { hot, coordination } = backend;
  if (!fenceOf) return hot.apply(writes);
  const fence = fenceOf(endpoint);
  const holder = fence ? leaseHolderValue(fence) : undefined;
  const outcome = holder === undefined ? undefined : await hot.applyFenced({ key: coordination.keys.lease(endpoint), holder }, writes);
  if (outcome?.applied) return outcome.swapped;
  const held = outcome?.held;
  const now = held === undefined || held === '' ? 'nobody holds it now' : `it is held as "${held}" now`;
  throw new BridgeError(
    ErrorCode.LeaseLost,
    fence ? `endpoint ${endpoint}: replica ${fence.replica} no longer holds its lease with token ${fence.token} (${now}); the write was refused` : `endpoint ${endpoint}: this replica holds no lease on it; the write was refused`,
    { endpoint, ...(fence ? { replica: fence.replica, token: fence.token } : {}) },
  );
}

/** The epoch: checked against the marker and Redis's run id, started anew when the cache may have lost state. */
function epochCalls(backend: CacheBackend): Pick<StateCache, 'currentEpoch' | 'renewEpoch'> {
  return {
    currentEpoch: () => {
      backend.epochCheck ??= guarded(backend, 'check epoch', async () => {
        const [marker, runId] = await Promise.all([backend.keyv.get(epochKey) as Promise<EpochMarker | undefined>, serverRunId(backend)]);
        if (!marker) return startEpoch(backend, 'the cache holds no epoch marker: it is new, or it was flushed or restarted empty');
        if (marker.serverRunId !== runId) return startEpoch(backend, 'Redis restarted since the epoch began: it may have reloaded an older snapshot');
        return { id: marker.id };
      }).finally(() => (backend.epochCheck = undefined));
      return backend.epochCheck;
    },
    renewEpoch: (reason) => guarded(backend, 'renew epoch', async () => startEpoch(backend, reason)),
  };
}

/**
 * Redis's run id changes on every server start; a marker written under
 * another run id means the data may have come from an older snapshot.
 */
async function serverRunId(backend: CacheBackend): Promise<string> {
  if (!backend.store) return 'memory';
  const info = await backend.store.client.info('server');
  return /run_id:(\w+)/.exec(info)?.[1] ?? 'unknown';
}

async function startEpoch(backend: CacheBackend, reason: string): Promise<CacheEpoch> {
  const epoch: CacheEpoch = { id: randomUUID(), startedAt: (backend.options.now ?? Date.now)(), reason };
  await backend.keyv.set(epochKey, { id: epoch.id, serverRunId: await serverRunId(backend), startedAt: epoch.startedAt } satisfies EpochMarker);
  return epoch;
}

/** Small JSON documents by kind and id, with a per-kind id list kept through keyv; writes take turns. */
function documentCalls(backend: CacheBackend): Pick<StateCache, 'readDocument' | 'listDocuments' | 'writeDocument' | 'deleteDocument'> {
  const { keyv, inTurn } = backend;
  const documentIds = async (kind: string): Promise<string[]> => ((await keyv.get(documentListKey(kind))) as string[] | undefined) ?? [];
  return {
    readDocument: (kind, id) => guarded(backend, 'read document', async () => keyv.get(documentKey(kind, id))),
    listDocuments: (kind) =>
      guarded(backend, 'list documents', async () => {
        const ids = await documentIds(kind);
        if (ids.length === 0) return [];
        const values = await keyv.getMany(ids.map((id) => documentKey(kind, id)));
        return ids.flatMap((id, index) => (values[index] === undefined ? [] : [{ id, value: values[index] }]));
      }),
    writeDocument: (kind, id, value) =>
      inTurn(() =>
        guarded(backend, 'write document', async () => {
          await keyv.set(documentKey(kind, id), value);
          const ids = await documentIds(kind);
          if (!ids.includes(id)) await keyv.set(documentListKey(kind), [...ids, id].sort());
        }),
      ),
    deleteDocument: (kind, id) =>
      inTurn(() =>
        guarded(backend, 'delete document', async () => {
          const ids = await documentIds(kind);
          await keyv.set(documentListKey(kind), ids.filter((known) => known !== id));
          await keyv.delete(documentKey(kind, id));
        }),
      ),
  };
}

/** Connects within the timeout, then tries a first command: a Redis that accepts the connection may still refuse the bridge's credentials. */
async function connectAndTry(store: KeyvRedis<unknown>, cache: StateCache, timeoutMs: number): Promise<void> {
  await connectWithin(store, timeoutMs);
  try {
    await cache.ping();
  } catch (error) {
    // Without credentials, or with a user its ACL confines elsewhere, Redis accepts the connection and refuses the first command.
    await store.disconnect(true).catch(() => undefined);
    const cause = error instanceof BridgeError && error.cause !== undefined ? error.cause : error;
    throw new BridgeError(ErrorCode.CacheFailed, `state cache (redis) refused its first command: ${describeConnectFailure(cause)}`, { operation: 'connect' }, { cause: error });
  }
}

/**
 * node-redis socket options for a `rediss://` url (it turns TLS on from the
 * scheme; these only choose what to trust and what to present). The files
 * are read once, here, so a missing one fails the start-up and names its key.
 */
function redisTlsSocketOptions(options: StateCacheOptions): Record<string, unknown> {
  if (!options.url.startsWith('rediss://')) return {};
  const tls = options.tls ?? {};
  const read = (key: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    const file = tls[key];
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (error) {
      throw new BridgeError(ErrorCode.CacheFailed, `state cache (redis) cannot read cache.tls.${key} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { operation: 'connect' }, { cause: error });
    }
  };
  const [ca, cert, key] = [read('caFile'), read('certFile'), read('keyFile')];
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: tls.insecureSkipVerify !== true };
}

/**
 * Whether a connection error is one no retry cures: Redis refused the
 * credentials (WRONGPASS, NOAUTH, NOPERM) or the TLS handshake failed on a
 * certificate. node-redis keeps reconnecting after those; the start-up
 * fails at once instead, with Redis's own words.
 */
function isPermanentConnectError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message)) return true;
  if (typeof code !== 'string') return false;
  return /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

/** Why the connect failed, in words that point at the configuration key to check. */
function describeConnectFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/^(WRONGPASS|NOAUTH)\b/.test(message)) return `Redis refused the credentials (check cache.username and cache.password): ${message}`;
  if (/^NOPERM\b/.test(message)) return `the Redis user lacks a permission the bridge needs (check its ACL): ${message}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && isPermanentConnectError(error)) {
    // OpenSSL's own messages are multi-line dumps of its internals; its code says the same in words.
    const words = code.startsWith('ERR_SSL_') ? code.slice('ERR_SSL_'.length).toLowerCase().replace(/_/g, ' ') : message;
    return `TLS handshake with Redis failed (check cache.tls): ${words} (${code})`;
  }
  return message;
}

/**
 * Connects the Redis client or gives up after `timeoutMs`, or at once on an
 * error no retry cures (see {@link isPermanentConnectError}). Done here, not
 * by @keyv/redis's own `connectionTimeout`, whose timer is never cleared: it
 * kept every finished command's process alive until it fired.
 */
async function connectWithin(store: KeyvRedis<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let lastError: unknown;
  let failFast: ((error: unknown) => void) | undefined;
  const onError = (error: unknown): void => {
    lastError = error;
    if (isPermanentConnectError(error)) failFast?.(error);
  };
  const failure = new Promise<never>((_, reject) => {
    failFast = reject;
    timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs / 1000} s${lastError === undefined ? '' : ` (last error: ${describeConnectFailure(lastError)})`}`)), timeoutMs);
  });
  store.client.on('error', onError);
  try {
    await Promise.race([store.client.connect(), failure]);
  } catch (error) {
    // Stops the client's reconnect attempts too.
    await store.disconnect(true).catch(() => undefined);
    throw new BridgeError(ErrorCode.CacheFailed, `state cache (redis) connect failed: ${describeConnectFailure(error)}`, { operation: 'connect' }, { cause: error });
  } finally {
    clearTimeout(timer);
    store.client.off('error', onError);
  }
}
