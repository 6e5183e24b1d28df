import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { CredentialKey } from './credential-keys.js';

/** The one sealing scheme; stored in every record so a later scheme can be told apart. */
export const sealingAlgorithm = 'aes-256-gcm';

/** GCM's recommended 96-bit nonce, random per record: at a few thousand writes, collisions are out of reach. */
const ivBytes = 12;
const tagBytes = 16;

/** A sealed value as stored: the key id beside the ciphertext, every binary part in base64. */
export interface SealedValue {
  readonly algorithm: typeof sealingAlgorithm;
  /** Id of the key that sealed it (`api.credentialKeys[].id`). */
  readonly keyId: string;
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

/** Seals and opens secrets with a key ring: the first key seals, every key opens. */
export interface Sealer {
  /** Id of the key that seals. */
  readonly currentKeyId: string;
  /** Ids of every key, in order. */
  readonly keyIds: readonly string[];
  /**
   * Encrypts `plaintext` with the current key. `boundTo` (e.g. the record's
   * key) is authenticated, not stored: a sealed value copied onto another
   * record does not open there.
   */
  seal(plaintext: string, boundTo: string): SealedValue;
  /**
   * Decrypts a sealed value. Throws `FAILED_PRECONDITION` naming the key id
   * when that key is not configured, and when the value does not
   * authenticate (altered, truncated, another record's, or a different key
   * under the same id).
   */
  open(sealed: SealedValue, boundTo: string): string;
}

/** True when `value` has the shape of a {@link SealedValue}. */
export function isSealedValue(value: unknown): value is SealedValue {
  const candidate = value as Partial<Record<keyof SealedValue, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.algorithm === sealingAlgorithm &&
    typeof candidate.keyId === 'string' &&
    typeof candidate.iv === 'string' &&
    typeof candidate.tag === 'string' &&
    typeof candidate.ciphertext === 'string'
  );
}

/** A {@link Sealer} over `keys` (at least one; the first seals). */
export function createSealer(keys: readonly CredentialKey[]): Sealer {
  const current = keys[0];
  if (!current) throw new BridgeError(ErrorCode.Internal, 'a sealer needs at least one key');
  const byId = new Map(keys.map((entry) => [entry.id, entry.key]));
  const keyIds = keys.map((entry) => entry.id);

  return {
    currentKeyId: current.id,
    keyIds,
    seal(plaintext, boundTo) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv(sealingAlgorithm, current.key, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { algorithm: sealingAlgorithm, keyId: current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
    },
    open(sealed, boundTo) {
      const key = byId.get(sealed.keyId);
      if (!key) {
        throw new BridgeError(ErrorCode.FailedPrecondition, `sealed with key "${sealed.keyId}", which api.credentialKeys does not list (it has ${keyIds.map((id) => `"${id}"`).join(', ')}); add that key back to read it`, { keyId: sealed.keyId });
      }
      const iv = Buffer.from(sealed.iv, 'base64');
      const tag = Buffer.from(sealed.tag, 'base64');
      try {
        if (iv.length !== ivBytes || tag.length !== tagBytes) throw new Error('bad sizes');
        const decipher = createDecipheriv(sealingAlgorithm, key, iv, { authTagLength: tagBytes });
        decipher.setAAD(Buffer.from(boundTo, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        // Node's reason ("Unsupported state or unable to authenticate data") adds nothing; no detail helps an attacker either.
        throw new BridgeError(ErrorCode.FailedPrecondition, `sealed with key "${sealed.keyId}" but does not authenticate: altered, copied from another record, or sealed by a different key under that id`, { keyId: sealed.keyId });
      }
    },
  };
}
