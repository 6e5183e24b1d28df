import { BridgeError, ErrorCode } from '../errors/index.js';
import { isJsonObject } from '../values/index.js';

/**
 * One configured encryption key as written in the configuration: a map
 * `{id, key}` in YAML, or `"id:key"` (the form a comma-separated
 * `DCM_BRIDGE_API_CREDENTIAL_KEYS` gives). `key` is the base64 of 32 random
 * bytes, normally `${file:...}`.
 */
export type CredentialKeySetting = { readonly id: string; readonly key: string } | string;

/** A decoded key: its id (stored beside every record it seals) and its 32 bytes. */
export interface CredentialKey {
  readonly id: string;
  readonly key: Buffer;
}

/** Bytes of an AES-256 key. */
export const credentialKeyBytes = 32;

/** Key ids are written into every sealed record; short and plain. */
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** Standard or URL-safe base64, padded or not; the decoded length is checked separately. */
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** How to make a key, quoted in messages. */
const keyHowTo = `${credentialKeyBytes} random bytes in base64, e.g. from \`openssl rand -base64 ${credentialKeyBytes}\``;

/**
 * Checks one entry; returns the decoded key or a problem. Problems name the
 * entry and its id, never the key (not even its length in characters, only
 * what it decodes to).
 */
function decodeEntry(entry: unknown, index: number): { readonly id?: string; readonly key?: Buffer; readonly problem?: string } {
  let id: unknown;
  let key: unknown;
  if (typeof entry === 'string') {
    const colon = entry.indexOf(':');
    if (colon < 0) return { problem: `entry ${index} must be a map {id, key} (or "id:key" in the environment)` };
    [id, key] = [entry.slice(0, colon), entry.slice(colon + 1)];
  } else if (isJsonObject(entry)) {
    const unknownKeys = Object.keys(entry).filter((name) => name !== 'id' && name !== 'key');
    if (unknownKeys.length > 0) return { problem: `entry ${index} has unknown keys (${unknownKeys.length}); an entry is {id, key}` };
    ({ id, key } = entry);
  } else {
    return { problem: `entry ${index} must be a map {id, key}` };
  }
  if (typeof id !== 'string' || !keyIdPattern.test(id)) return { problem: `entry ${index}: id must be 1-64 letters, digits, '.', '_' or '-'` };
  if (typeof key !== 'string' || key === '') return { id, problem: `entry ${index} (id "${id}"): key is required: ${keyHowTo}, written as \${file:...} or \${env:...}` };
  const decoded = base64Pattern.test(key) ? Buffer.from(key, /[-_]/.test(key) ? 'base64url' : 'base64') : undefined;
  if (decoded === undefined || decoded.length !== credentialKeyBytes) {
    return { id, problem: `entry ${index} (id "${id}"): key must be ${keyHowTo}; it ${decoded === undefined ? 'is not base64' : `decodes to ${decoded.length} bytes`}` };
  }
  return { id, key: decoded };
}

/**
 * Decodes and checks a list of key settings: each entry a valid `{id, key}`,
 * each key 32 bytes, ids unique. Returns the keys in order (the first one
 * encrypts) and every problem found.
 */
export function decodeCredentialKeys(settings: unknown): { keys: CredentialKey[]; problems: string[] } {
  if (!Array.isArray(settings)) return { keys: [], problems: ['must be a list of {id, key} entries'] };
  const keys: CredentialKey[] = [];
  const problems: string[] = [];
  const firstIndexOf = new Map<string, number>();
  settings.forEach((entry, index) => {
    const { id, key, problem } = decodeEntry(entry, index);
    if (problem) problems.push(problem);
    if (id === undefined) return;
    const first = firstIndexOf.get(id);
    if (first !== undefined) problems.push(`entry ${index}: id "${id}" is also the id of entry ${first}; ids must be unique (each record names the key that sealed it)`);
    else firstIndexOf.set(id, index);
    if (key) keys.push({ id, key });
  });
  return { keys, problems };
}

/**
 * Convict format of `api.credentialKeys`. Its messages name entries and ids
 * only, so they serve as their own `withoutValue`.
 */
export function credentialKeysFormat(value: unknown): void {
  const { problems } = decodeCredentialKeys(value);
  if (problems.length > 0) {
    const message = problems.join('; ');
    throw Object.assign(new Error(message), { withoutValue: message });
  }
}

/** The decoded keys of validated settings, first one encrypting; `CONFIG_INVALID` if they do not validate. */
export function credentialKeysOf(settings: readonly CredentialKeySetting[]): CredentialKey[] {
  const { keys, problems } = decodeCredentialKeys(settings);
  if (problems.length > 0) throw new BridgeError(ErrorCode.ConfigInvalid, `api.credentialKeys is invalid: ${problems.join('; ')}`, { issues: problems.map((message) => ({ path: 'api.credentialKeys', message })) });
  return keys;
}
