/**
 * The few commands the state's hot path needs, over Redis or a Map.
 *
 * The records, the index and the outbox go through the Redis client under
 * @keyv/redis directly: keyv's per-key API costs a JSON reviver per value
 * and has no hashes, so a 100,000-member index would be rewritten whole on
 * every page. Here a page costs one MGET, or one MULTI, whatever its size.
 */
export interface HotStore {
  /** Values of `keys`, in order; null where there is none. */
  get(keys: readonly string[]): Promise<Array<string | null>>;
  /** Every field of hash `key` (empty when there is none). */
  readHash(key: string): Promise<Map<string, string>>;
  /** The values of `fields` of hash `key`, in order; null where there is none. */
  readFields(key: string, fields: readonly string[]): Promise<Array<string | null>>;
  /** Applies every write at once (one MULTI on Redis): a crash never leaves half of them. */
  apply(writes: readonly HotWrite[]): Promise<void>;
}

/** One write of {@link HotStore.apply}. */
export type HotWrite =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs?: number }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'setFields'; readonly key: string; readonly fields: ReadonlyMap<string, string> }
  | { readonly op: 'deleteFields'; readonly key: string; readonly fields: readonly string[] };

/** What {@link redisHotStore} needs of a node-redis client. */
export interface RedisHotCommands {
  mGet(keys: string[]): Promise<Array<string | null>>;
  /** A command's raw reply: `HGETALL` answers a flat [field, value, …] array, read without building an object first. */
  sendCommand(args: string[]): Promise<unknown>;
  multi(): RedisTransaction;
}
interface RedisTransaction {
  set(key: string, value: string, options?: { PX: number }): RedisTransaction;
  del(key: string): RedisTransaction;
  hSet(key: string, fields: Map<string, string>): RedisTransaction;
  hDel(key: string, fields: string[]): RedisTransaction;
  exec(): Promise<unknown>;
}

/** Hash writes go out in slices of this many fields, so no single command carries a whole 100,000-member index. */
const fieldsPerCommand = 5000;

/** The hot store over a connected node-redis client. */
export function redisHotStore(client: RedisHotCommands): HotStore {
  return {
    get: async (keys) => (keys.length === 0 ? [] : client.mGet([...keys])),
    async readHash(key) {
      const flat = (await client.sendCommand(['HGETALL', key])) as string[];
      const fields = new Map<string, string>();
      for (let position = 0; position + 1 < flat.length; position += 2) fields.set(flat[position] as string, flat[position + 1] as string);
      return fields;
    },
    async readFields(key, fields) {
      const values: Array<string | null> = [];
      for (const slice of slices(fields)) values.push(...((await client.sendCommand(['HMGET', key, ...slice])) as Array<string | null>));
      return values;
    },
    async apply(writes) {
      if (writes.length === 0) return;
      const transaction = client.multi();
      for (const write of writes) {
        if (write.op === 'set') transaction.set(write.key, write.value, ...(write.ttlMs !== undefined ? [{ PX: Math.max(1, Math.round(write.ttlMs)) }] : []));
        else if (write.op === 'delete') transaction.del(write.key);
        else if (write.op === 'setFields') for (const slice of slices([...write.fields])) transaction.hSet(write.key, new Map(slice));
        else for (const slice of slices(write.fields)) transaction.hDel(write.key, slice);
      }
      await transaction.exec();
    },
  };
}

function* slices<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += fieldsPerCommand) {
    const slice = items.slice(start, start + fieldsPerCommand);
    if (slice.length > 0) yield slice;
  }
}

/** The hot store in memory (a bridge run without Redis, and unit tests). */
export function memoryHotStore(now: () => number = Date.now): HotStore {
  const values = new Map<string, { value: string; expiresAt?: number }>();
  const hashes = new Map<string, Map<string, string>>();
  const live = (key: string): string | null => {
    const held = values.get(key);
    if (held === undefined) return null;
    if (held.expiresAt !== undefined && held.expiresAt <= now()) {
      values.delete(key);
      return null;
    }
    return held.value;
  };
  return {
    get: async (keys) => keys.map(live),
    readHash: async (key) => new Map(hashes.get(key)),
    readFields: async (key, fields) => fields.map((field) => hashes.get(key)?.get(field) ?? null),
    async apply(writes) {
      for (const write of writes) {
        if (write.op === 'set') values.set(write.key, { value: write.value, ...(write.ttlMs !== undefined ? { expiresAt: now() + write.ttlMs } : {}) });
        else if (write.op === 'delete') {
          values.delete(write.key);
          hashes.delete(write.key);
        } else if (write.op === 'setFields') {
          const hash = hashes.get(write.key) ?? new Map<string, string>();
          for (const [field, value] of write.fields) hash.set(field, value);
          hashes.set(write.key, hash);
        } else {
          const hash = hashes.get(write.key);
          for (const field of write.fields) hash?.delete(field);
          if (hash?.size === 0) hashes.delete(write.key);
        }
      }
    },
  };
}
