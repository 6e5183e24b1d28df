import { leaseHolderValue, luaScript, runScript, type CoordinationStore, type Fence, type HotStore, type ScriptClient } from '../cache/index.js';

/** Who holds an endpoint's lease, as the store says. */
export interface LeaseHolder {
  readonly replica: string;
  readonly token: number;
  /** How long the holder has held it (by the store's clock), in ms; undefined when unknown. */
  readonly ageMs?: number;
}

/** The outcome of {@link LeaseTable.take}. */
export type LeaseTake = { readonly taken: true; readonly fence: Fence } | { readonly taken: false; readonly holder?: LeaseHolder };

/**
 * The endpoints' leases, each one atomic step in the store (a Lua script on
 * Redis, so Redis's own clock times every TTL and no replica's clock
 * matters). Lease value: `<replicaId> <token>`, the very value a fenced
 * write checks.
 */
export interface LeaseTable {
  /**
   * Takes the lease for `ttlMs` when it is free or already `replica`'s (then
   * only its TTL is extended and its token kept). A new holder's token is
   * drawn from the endpoint's counter, so tokens rise on every take-over.
   */
  take(endpoint: string, replica: string, ttlMs: number): Promise<LeaseTake>;
  /** Extends the lease only while it still holds `fence`; false when it no longer does. */
  renew(endpoint: string, fence: Fence, ttlMs: number): Promise<boolean>;
  /** Deletes the lease only while it still holds `fence`. */
  release(endpoint: string, fence: Fence): Promise<void>;
  /** The current holder, or undefined when the lease is free. */
  holder(endpoint: string): Promise<LeaseHolder | undefined>;
}

/** Reads `<replica> <token>`; undefined for anything else (a value this layout did not write). */
function parseHolder(value: string | null | undefined, ageMs?: number): LeaseHolder | undefined {
  const match = value ? /^(\S+) (\d+)$/.exec(value) : null;
  if (!match) return undefined;
  return { replica: match[1] as string, token: Number(match[2]), ...(ageMs !== undefined && ageMs >= 0 ? { ageMs } : {}) };
}

const redisNowMs = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: lease, token counter, taken-at. ARGV: replica, ttl ms. */
const takeScript = luaScript(`${redisNowMs}
local held = redis.call('GET', KEYS[1])
if held then
  local holder = string.match(held, '^(%S+) ')
  if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    redis.call('PEXPIRE', KEYS[3], ARGV[2])
    return {1, held}
  end
  local taken = tonumber(redis.call('GET', KEYS[3]) or '')
  return {0, held, taken and (now - taken) or -1}
end
local token = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. ' ' .. token
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
redis.call('SET', KEYS[3], now, 'PX', ARGV[2])
return {1, value}
`);

/** KEYS: lease, taken-at. ARGV: holder value, ttl ms. */
const renewScript = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: lease, taken-at. ARGV: holder value. */
const releaseScript = luaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
`);

/** KEYS: lease, taken-at. */
const holderScript = luaScript(`${redisNowMs}
local held = redis.call('GET', KEYS[1])
if not held then return {''} end
local taken = tonumber(redis.call('GET', KEYS[2]) or '')
return {held, taken and (now - taken) or -1}
`);

/** The lease table in Redis, under the cache's cluster keys. */
export function redisLeaseTable(client: ScriptClient, keys: CoordinationStore['keys']): LeaseTable {
  return {
    async take(endpoint, replica, ttlMs) {
      const [taken, value, ageMs] = (await runScript(client, takeScript, [keys.lease(endpoint), keys.leaseToken(endpoint), keys.leaseTaken(endpoint)], [replica, String(Math.round(ttlMs))])) as [number, string, number?];
      const holder = parseHolder(value, ageMs);
      if (taken === 1 && holder) return { taken: true, fence: { replica: holder.replica, token: holder.token } };
      return holder ? { taken: false, holder } : { taken: false };
    },
    async renew(endpoint, fence, ttlMs) {
      return (await runScript(client, renewScript, [keys.lease(endpoint), keys.leaseTaken(endpoint)], [leaseHolderValue(fence), String(Math.round(ttlMs))])) === 1;
    },
    async release(endpoint, fence) {
      await runScript(client, releaseScript, [keys.lease(endpoint), keys.leaseTaken(endpoint)], [leaseHolderValue(fence)]);
    },
    async holder(endpoint) {
      const [value, ageMs] = (await runScript(client, holderScript, [keys.lease(endpoint), keys.leaseTaken(endpoint)], [])) as [string, number?];
      return parseHolder(value, ageMs);
    },
  };
}

/**
 * The lease table in the memory cache's store (one process: tests of the
 * fenced write without Redis). Unlike the scripts, two calls on one endpoint
 * at once may interleave; the fenced write's own check is atomic.
 */
export function memoryLeaseTable(hot: HotStore, keys: CoordinationStore['keys'], now: () => number = Date.now): LeaseTable {
  // What the scripts keep in the token and taken-at keys.
  const tokens = new Map<string, number>();
  const takenAt = new Map<string, number>();
  const read = async (endpoint: string): Promise<string | undefined> => (await hot.get([keys.lease(endpoint)]))[0] ?? undefined;
  return {
    async take(endpoint, replica, ttlMs) {
      const held = parseHolder(await read(endpoint));
      if (held && held.replica !== replica) return { taken: false, holder: { ...held, ageMs: now() - (takenAt.get(endpoint) ?? now()) } };
      const token = held?.token ?? (tokens.get(endpoint) ?? 0) + 1;
      tokens.set(endpoint, Math.max(token, tokens.get(endpoint) ?? 0));
      if (!held) takenAt.set(endpoint, now());
      await hot.apply([{ op: 'set', key: keys.lease(endpoint), value: leaseHolderValue({ replica, token }), ttlMs }]);
      return { taken: true, fence: { replica, token } };
    },
    async renew(endpoint, fence, ttlMs) {
      if ((await read(endpoint)) !== leaseHolderValue(fence)) return false;
      await hot.apply([{ op: 'set', key: keys.lease(endpoint), value: leaseHolderValue(fence), ttlMs }]);
      return true;
    },
    async release(endpoint, fence) {
      if ((await read(endpoint)) === leaseHolderValue(fence)) await hot.apply([{ op: 'delete', key: keys.lease(endpoint) }]);
    },
    async holder(endpoint) {
      const held = parseHolder(await read(endpoint));
      return held ? { ...held, ageMs: now() - (takenAt.get(endpoint) ?? now()) } : undefined;
    },
  };
}

/** The lease table of a cache's coordination store. */
export function leaseTableOf(coordination: CoordinationStore, now?: () => number): LeaseTable {
  if (coordination.redis) return redisLeaseTable(coordination.redis, coordination.keys);
  if (coordination.memory) return memoryLeaseTable(coordination.memory, coordination.keys, now);
  throw new Error('the cache offers no coordination store');
}
