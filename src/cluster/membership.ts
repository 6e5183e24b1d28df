import { luaScript, runScript, type ScriptClient } from '../cache/index.js';

/**
 * The replicas alive now, as one heartbeat of the membership set saw them.
 * Sorted by id, so two views compare as strings.
 */
export type Members = readonly string[];

/**
 * The membership set: a sorted set of replica ids scored by their expiry in
 * Redis's own clock (so replica clocks never matter). Each method is one Lua
 * script; whoever reads removes the expired.
 */
export interface MembershipTable {
  /** Renews `replica` for `ttlMs` and answers the live members (itself included). */
  heartbeat(replica: string, ttlMs: number): Promise<Members>;
  /** The live members. */
  members(): Promise<Members>;
  /** Removes `replica` at once (a clean stop). */
  leave(replica: string): Promise<void>;
}

const liveMembers = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)`;

/** KEYS: members. ARGV: replica, ttl ms. */
const heartbeatScript = luaScript(`${liveMembers}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);

/** KEYS: members. */
const membersScript = luaScript(`${liveMembers}
return redis.call('ZRANGE', KEYS[1], 0, -1)
`);

const sorted = (members: unknown): Members => [...(members as string[])].sort();

/** The membership set in Redis at `key`. */
export function redisMembershipTable(client: ScriptClient, key: string): MembershipTable {
  return {
    heartbeat: async (replica, ttlMs) => sorted(await runScript(client, heartbeatScript, [key], [replica, String(Math.round(ttlMs))])),
    members: async () => sorted(await runScript(client, membersScript, [key], [])),
    async leave(replica) {
      await client.sendCommand(['ZREM', key, replica]);
    },
  };
}

/** The membership set in memory (one process; tests). */
export function memoryMembershipTable(now: () => number = Date.now): MembershipTable {
  const expiries = new Map<string, number>();
  const live = (): Members => {
    for (const [replica, expiry] of expiries) if (expiry <= now()) expiries.delete(replica);
    return [...expiries.keys()].sort();
  };
  return {
    async heartbeat(replica, ttlMs) {
      expiries.set(replica, now() + ttlMs);
      return live();
    },
    members: async () => live(),
    async leave(replica) {
      expiries.delete(replica);
    },
  };
}
