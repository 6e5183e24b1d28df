import { createHash } from 'node:crypto';

/**
 * UUID version 5 (RFC 9562 §5.5: SHA-1 of namespace bytes + name bytes,
 * version and variant bits set), hashed by node:crypto directly. The `uuid`
 * package computes the same value but spends about 5 µs per id converting
 * strings to byte arrays in JavaScript; a storm builds one id per event. A
 * test holds this to the `uuid` package's output.
 */
export function uuidV5(name: string, namespace: string): string {
  const digest = createHash('sha1').update(namespaceBytes(namespace)).update(name, 'utf8').digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const namespaceCache = new Map<string, Buffer>();

/** The 16 bytes of a namespace UUID, parsed once per namespace. */
function namespaceBytes(namespace: string): Buffer {
  let bytes = namespaceCache.get(namespace);
  if (bytes === undefined) {
    const hex = namespace.replace(/-/g, '');
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`namespace ${namespace} is not a UUID`);
    bytes = Buffer.from(hex, 'hex');
    namespaceCache.set(namespace, bytes);
  }
  return bytes;
}
