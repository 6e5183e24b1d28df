import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { VmStatus } from '../normalize/index.js';

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
 * The instances an endpoint's complete lists have contained, with the number
 * of consecutive complete lists each has since been missing from (0 = present).
 */
export interface EndpointIndex {
  readonly members: Readonly<Record<string, number>>;
}

/**
 * The persistent state of the diff stage. Every method throws a
 * `CACHE_FAILED` BridgeError on failure; none ever answers "not found"
 * because the store was unreachable.
 */
export interface StateCache {
  readonly kind: 'redis' | 'memory';
  readInstances(endpoint: string, platformIds: readonly string[]): Promise<Array<InstanceRecord | undefined>>;
  /** Writes records; DELETED ones are kept as tombstones for `tombstoneSeconds` so sequences keep counting. */
  writeInstances(endpoint: string, records: readonly InstanceRecord[]): Promise<void>;
  readIndex(endpoint: string): Promise<EndpointIndex>;
  writeIndex(endpoint: string, index: EndpointIndex): Promise<void>;
  /** Drops an endpoint's index (its records expire or are overwritten). */
  forgetEndpoint(endpoint: string): Promise<void>;
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
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StateCacheOptions {
  /** `redis://` or `rediss://` URL; empty for an in-memory store. */
  readonly url: string;
  readonly namespace: string;
  /** How long a DELETED record is kept (default 7 days). */
  readonly tombstoneSeconds?: number;
  /** Connect timeout in milliseconds (default 5000). */
  readonly connectTimeoutMs?: number;
  /** Told the duration of every operation, for the latency metric. */
  readonly onOperation?: (operation: string, seconds: number, ok: boolean) => void;
}

const instanceKey = (endpoint: string, platformId: string): string => `instance:${endpoint}:${platformId}`;
const indexKey = (endpoint: string): string => `index:${endpoint}`;
const documentKey = (kind: string, id: string): string => `doc:${kind}:${id}`;
const documentListKey = (kind: string): string => `docs:${kind}`;

/**
 * Opens the state cache: Redis through keyv + @keyv/redis, or keyv's in-memory
 * Map when `url` is empty. Redis errors are thrown, not swallowed (keyv's
 * default is to emit them and answer "not found", which would republish or
 * lose state), and commands fail at once while Redis is unreachable instead of
 * queueing, so a poll fails fast and retries later.
 */
export async function openStateCache(options: StateCacheOptions): Promise<StateCache> {
  const tombstoneMs = (options.tombstoneSeconds ?? 7 * 24 * 3600) * 1000;
  const kind = options.url ? 'redis' : 'memory';
  const store = options.url
    ? new KeyvRedis(
        { url: options.url, disableOfflineQueue: true, socket: { connectTimeout: options.connectTimeoutMs ?? 5000, reconnectStrategy: (retries: number) => Math.min(200 * 2 ** retries, 5000) } },
        { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: options.connectTimeoutMs ?? 5000 },
      )
    : undefined;
  const keyv = new Keyv<unknown>({ ...(store ? { store } : {}), namespace: options.namespace, throwOnErrors: true, emitErrors: false });

  const guard = async <T>(operation: string, action: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const result = await action();
      options.onOperation?.(operation, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      options.onOperation?.(operation, (performance.now() - started) / 1000, false);
      throw new BridgeError(ErrorCode.CacheFailed, `state cache (${kind}) ${operation} failed: ${(error as Error).message}`, { operation }, { cause: error });
    }
  };

  // keyv has no sets: the id list is read, changed and written back, so writes take turns.
  let documentWrites: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(action: () => Promise<T>): Promise<T> => {
    const result = documentWrites.then(action, action);
    documentWrites = result.catch(() => undefined);
    return result;
  };
  const documentIds = async (kind: string): Promise<string[]> => ((await keyv.get(documentListKey(kind))) as string[] | undefined) ?? [];

  const cache: StateCache = {
    kind,
    readInstances: (endpoint, platformIds) =>
      guard('read', async () => (platformIds.length === 0 ? [] : ((await keyv.getMany(platformIds.map((id) => instanceKey(endpoint, id)))) as Array<InstanceRecord | undefined>))),
    writeInstances: (endpoint, records) =>
      guard('write', async () => {
        if (records.length === 0) return;
        await keyv.setMany(records.map((record) => ({ key: instanceKey(endpoint, record.platformId), value: record, ...(record.status === 'DELETED' ? { ttl: tombstoneMs } : {}) })));
      }),
    readIndex: (endpoint) => guard('read index', async () => ((await keyv.get(indexKey(endpoint))) as EndpointIndex | undefined) ?? { members: {} }),
    writeIndex: (endpoint, index) =>
      guard('write index', async () => {
        await keyv.set(indexKey(endpoint), index);
      }),
    forgetEndpoint: (endpoint) =>
      guard('forget endpoint', async () => {
        await keyv.delete(indexKey(endpoint));
      }),
    readDocument: (kind, id) => guard('read document', async () => keyv.get(documentKey(kind, id))),
    listDocuments: (kind) =>
      guard('list documents', async () => {
        const ids = await documentIds(kind);
        if (ids.length === 0) return [];
        const values = await keyv.getMany(ids.map((id) => documentKey(kind, id)));
        return ids.flatMap((id, index) => (values[index] === undefined ? [] : [{ id, value: values[index] }]));
      }),
    writeDocument: (kind, id, value) =>
      inTurn(() =>
        guard('write document', async () => {
          await keyv.set(documentKey(kind, id), value);
          const ids = await documentIds(kind);
          if (!ids.includes(id)) await keyv.set(documentListKey(kind), [...ids, id].sort());
        }),
      ),
    deleteDocument: (kind, id) =>
      inTurn(() =>
        guard('delete document', async () => {
          const ids = await documentIds(kind);
          await keyv.set(documentListKey(kind), ids.filter((known) => known !== id));
          await keyv.delete(documentKey(kind, id));
        }),
      ),
    ping: () =>
      guard('ping', async () => {
        await keyv.get('ping');
      }),
    close: async () => {
      await keyv.disconnect().catch(() => undefined);
    },
  };
  if (store) await cache.ping();
  return cache;
}
