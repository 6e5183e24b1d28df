import { isJsonObject } from '../values/index.js';

/**
 * Applies a JSON merge patch (RFC 7386) to `target` without changing it: maps
 * merge key by key, `null` removes a key, anything else replaces the value.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: Record<string, unknown> = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
