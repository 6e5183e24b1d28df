import { luaScript, runScript } from './lua.js';

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
  /** Sets `key` only when it holds nothing (`SET NX`); answers `value` when it did, undefined when the key held something. */
  setIfAbsent(key: string, value: string): Promise<string | undefined>;
  /**
   * Applies every write at once (one MULTI on Redis): a crash never leaves
   * half of them. Answers what each `swap` found, in order (null for nothing).
   */
  apply(writes: readonly HotWrite[]): Promise<Array<string | null>>;
  /**
   * Applies every write at once only while `fence.key` holds exactly
   * `fence.holder` (one Lua script on Redis: the check and the writes are one
   * step no other client can come between). Answers what each `swap` found
   * when they were applied, or what the lease key holds instead ('' for
   * nothing) when none was.
   */
  applyFenced(fence: FenceCheck, writes: readonly HotWrite[]): Promise<FencedOutcome>;
}

/** What {@link HotStore.applyFenced} did. */
export type FencedOutcome = { readonly applied: true; readonly swapped: Array<string | null> } | { readonly applied: false; readonly held: string };

/** The lease key a fenced write checks, and the value it must hold. */
export interface FenceCheck {
  readonly key: string;
  readonly holder: string;
}

/** One write of {@link HotStore.apply}. */
export type HotWrite =
  | { readonly op: 'set'; readonly key: string; readonly value: string; readonly ttlMs?: number }
  /** Sets `key` and answers what it held just before, in the same atomic step as the other writes. */
  | { readonly op: 'swap'; readonly key: string; readonly value: string }
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
  get(key: string): RedisTransaction;
  set(key: string, value: string, options?: { PX: number }): RedisTransaction;
  /** `MSET` of flat [key, value, …] pairs. */
  mSet(pairs: string[]): RedisTransaction;
  del(key: string): RedisTransaction;
  hSet(key: string, fields: Map<string, string>): RedisTransaction;
  hDel(key: string, fields: string[]): RedisTransaction;
  exec(): Promise<unknown>;
}

/** Hash writes go out in slices of this many fields, so no single command carries a whole 100,000-member index. */
const fieldsPerCommand = 5000;

/**
 * The fenced write: KEYS[1] is the lease, ARGV[1] the holder it must hold;
 * then each write as ARGV (op, index of its key in KEYS, argument count,
 * arguments). Hash writes are sliced inside the script, because `unpack`
 * of more than a few thousand values overflows Lua's C stack.
 */
const fencedApplyScript = luaScript(`
local held = redis.call('GET', KEYS[1])
if held ~= ARGV[1] then return {0, held or ''} end
local swapped = {}
local at = 2
while at <= #ARGV do
  local op, key, count = ARGV[at], KEYS[tonumber(ARGV[at + 1])], tonumber(ARGV[at + 2])
  local first, last = at + 3, at + 2 + count
  if op == 'set' then
    if ARGV[first + 1] == '' then redis.call('SET', key, ARGV[first]) else redis.call('SET', key, ARGV[first], 'PX', ARGV[first + 1]) end
  elseif op == 'swap' then
    -- false (nothing there) becomes a nil reply; '' marks it here because a Lua array cannot hold nil
    local previous = redis.call('GET', key)
    swapped[#swapped + 1] = previous and ('=' .. previous) or ''
    redis.call('SET', key, ARGV[first])
  elseif op == 'delete' then
    redis.call('DEL', key)
  else
    local command = op == 'setFields' and 'HSET' or 'HDEL'
    local from = first
    while from <= last do
      local to = math.min(from + 999, last)
      redis.call(command, key, unpack(ARGV, from, to))
      from = to + 1
    end
  end
  at = last + 1
end
return {1, '', swapped}
`);

/** {@link fencedApplyScript}'s keys and arguments for `writes`. */
function fencedApplyCall(fence: FenceCheck, writes: readonly HotWrite[]): { keys: string[]; args: string[] } {
  const keys = [fence.key];
  const args = [fence.holder];
  for (const write of writes) {
    keys.push(write.key);
    const operands =
      write.op === 'set'
        ? [write.value, write.ttlMs !== undefined ? String(Math.max(1, Math.round(write.ttlMs))) : '']
        : write.op === 'swap'
          ? [write.value]
          : write.op === 'delete'
          ? []
          : write.op === 'setFields'
            ? [...write.fields].flat()
            : [...write.fields];
    args.push(write.op, String(keys.length), String(operands.length));
    for (const operand of operands) args.push(operand);
  }
  return { keys, args };
}

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
    setIfAbsent: async (key, value) => ((await client.sendCommand(['SET', key, value, 'NX'])) === 'OK' ? value : undefined),
    async apply(writes) {
      if (writes.length === 0) return [];
      const transaction = client.multi();
      // Where each swap's GET reply lands in EXEC's replies.
      const swapReplies: number[] = [];
      let replies = 0;
      // Consecutive sets without expiry (a storm page's records) go out as
      // one MSET per slice, in the same place in the MULTI: node-redis
      // encodes and writes every command as a chunk of its own, about 4 µs
      // of client CPU a key as SETs against under 1 µs in an MSET (README,
      // "Performance", the changes measured alone).
      let pairs: string[] = [];
      const flushPairs = (): void => {
        if (pairs.length === 0) return;
        if (pairs.length === 2) transaction.set(pairs[0] as string, pairs[1] as string);
        else transaction.mSet(pairs);
        replies++;
        pairs = [];
      };
      for (const write of writes) {
        if (write.op === 'set' && write.ttlMs === undefined) {
          pairs.push(write.key, write.value);
          if (pairs.length >= 2 * fieldsPerCommand) flushPairs();
          continue;
        }
        flushPairs();
        if (write.op === 'set') {
          transaction.set(write.key, write.value, { PX: Math.max(1, Math.round(write.ttlMs ?? 0)) });
          replies++;
        } else if (write.op === 'swap') {
          swapReplies.push(replies);
          transaction.get(write.key).set(write.key, write.value);
          replies += 2;
        } else if (write.op === 'delete') {
          transaction.del(write.key);
          replies++;
        } else if (write.op === 'setFields') {
          for (const slice of slices([...write.fields])) {
            transaction.hSet(write.key, new Map(slice));
            replies++;
          }
        } else {
          for (const slice of slices(write.fields)) {
            transaction.hDel(write.key, slice);
            replies++;
          }
        }
      }
      flushPairs();
      const answers = (await transaction.exec()) as unknown[];
      return swapReplies.map((position) => (answers[position] ?? null) as string | null);
    },
    async applyFenced(fence, writes) {
      const { keys, args } = fencedApplyCall(fence, writes);
      const [applied, held, swapped] = (await runScript(client, fencedApplyScript, keys, args)) as [number, string, string[] | undefined];
      if (applied !== 1) return { applied: false, held };
      return { applied: true, swapped: (swapped ?? []).map((marked) => (marked === '' ? null : marked.slice(1))) };
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
  const store: HotStore = {
    get: async (keys) => keys.map(live),
    readHash: async (key) => new Map(hashes.get(key)),
    readFields: async (key, fields) => fields.map((field) => hashes.get(key)?.get(field) ?? null),
    async setIfAbsent(key, value) {
      if (live(key) !== null) return undefined;
      values.set(key, { value });
      return value;
    },
    async apply(writes) {
      const swapped: Array<string | null> = [];
      for (const write of writes) {
        if (write.op === 'set') values.set(write.key, { value: write.value, ...(write.ttlMs !== undefined ? { expiresAt: now() + write.ttlMs } : {}) });
        else if (write.op === 'swap') {
          swapped.push(live(write.key));
          values.set(write.key, { value: write.value });
        } else if (write.op === 'delete') {
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
      return swapped;
    },
    async applyFenced(fence, writes) {
      // No await between the check and the writes: nothing else runs in between, as in Redis's script.
      const held = live(fence.key);
      if (held !== fence.holder) return { applied: false, held: held ?? '' };
      return { applied: true, swapped: await store.apply(writes) };
    },
  };
  return store;
}
