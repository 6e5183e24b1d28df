import { BridgeError, ErrorCode } from '../errors/index.js';
import type { CoordinationStore } from './state-cache.js';

/**
 * Small JSON documents of one kind in one Redis hash (field = id, value =
 * JSON). Every write is a single HSET or HDEL, so replicas writing different
 * ids at once never lose one another's (a list read, changed and written
 * back would). Every method throws `CACHE_FAILED` on failure.
 */
export interface DocumentHash {
  /** The document stored under `id`; undefined when there is none. */
  read(id: string): Promise<unknown>;
  /** Every document, in id order; one whose field is not JSON is listed with the value null. */
  list(): Promise<Array<{ readonly id: string; readonly value: unknown }>>;
  write(id: string, value: unknown): Promise<void>;
  /** Writes only when no document is stored under `id` (one HSETNX): answers false, writing nothing, when one is. */
  writeNew(id: string, value: unknown): Promise<boolean>;
  delete(id: string): Promise<void>;
}

/** The hash keeping endpoint registrations under a cache namespace. */
export const registrationsHashKey = (namespace: string): string => `${namespace}:v2:registrations`;

/** A {@link DocumentHash} at `key` in the cache's store (its Redis, or its in-memory store). */
export function openDocumentHash(coordination: Pick<CoordinationStore, 'redis' | 'memory'>, key: string): DocumentHash {
  const guarded = async <T>(operation: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      throw new BridgeError(ErrorCode.CacheFailed, `state cache ${operation} of ${key} failed: ${(error as Error).message}`, { operation }, { cause: error });
    }
  };
  const parsed = (id: string, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`field ${id} is not JSON (${(error as Error).message}); HDEL it to drop that document`, { cause: error });
    }
  };
  const parsedOrNull = (id: string, text: string): unknown => {
    try {
      return parsed(id, text);
    } catch {
      return null;
    }
  };
  const { redis, memory } = coordination;
  const readOne = redis
    ? async (id: string) => (await redis.sendCommand(['HGET', key, id])) as string | null
    : async (id: string) => ((await memory?.readFields(key, [id])) ?? [null])[0] ?? null;
  const readAll = redis
    ? async () => {
        const flat = (await redis.sendCommand(['HGETALL', key])) as string[];
        const fields = new Map<string, string>();
        for (let at = 0; at + 1 < flat.length; at += 2) fields.set(flat[at] as string, flat[at + 1] as string);
        return fields;
      }
    : async () => memory?.readHash(key) ?? new Map<string, string>();
  return {
    read: (id) =>
      guarded('read document', async () => {
        const text = await readOne(id);
        return text === null ? undefined : parsed(id, text);
      }),
    list: () =>
      guarded('list documents', async () =>
        [...(await readAll())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, text]) => ({ id, value: parsedOrNull(id, text) })),
      ),
    write: (id, value) =>
      guarded('write document', async () => {
        const text = JSON.stringify(value);
        if (redis) await redis.sendCommand(['HSET', key, id, text]);
        else await memory?.apply([{ op: 'setFields', key, fields: new Map([[id, text]]) }]);
      }),
    writeNew: (id, value) =>
      guarded('write new document', async () => {
        const text = JSON.stringify(value);
        if (redis) return (await redis.sendCommand(['HSETNX', key, id, text])) === 1;
        if ((await readOne(id)) !== null) return false;
        await memory?.apply([{ op: 'setFields', key, fields: new Map([[id, text]]) }]);
        return true;
      }),
    delete: (id) =>
      guarded('delete document', async () => {
        if (redis) await redis.sendCommand(['HDEL', key, id]);
        else await memory?.apply([{ op: 'deleteFields', key, fields: [id] }]);
      }),
  };
}
