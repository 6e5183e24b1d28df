import { createHash } from 'node:crypto';

/** What running a Lua script needs of a node-redis client. */
export interface ScriptClient {
  /** A command's raw reply (integers as numbers, bulk strings as strings, arrays as arrays). */
  sendCommand(args: string[]): Promise<unknown>;
}

/** A Lua script and its SHA1, so it is sent whole only when Redis does not know it yet. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Declares a script; its text is sent once per Redis start (EVALSHA, then EVAL on NOSCRIPT). */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs `script` atomically in Redis with `keys` and `args` (every key the
 * script touches is declared, as Redis asks). A Redis that restarted or
 * flushed its script cache answers NOSCRIPT; the script is then sent whole.
 */
export async function runScript(client: ScriptClient, script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand(['EVALSHA', script.sha, ...tail]);
  } catch (error) {
    if (!/NOSCRIPT/.test(error instanceof Error ? error.message : String(error))) throw error;
    return client.sendCommand(['EVAL', script.source, ...tail]);
  }
}
