import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** An address block: every address whose first `prefix` bits equal those of `base`. */
export interface Cidr {
  readonly base: IpAddress;
  readonly prefix: number;
}

/** Parses an IPv4 or IPv6 literal (brackets and a zone index are accepted and dropped); undefined when not one. */
export function parseIp(text: string): IpAddress | undefined {
  const literal = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(literal)) return { family: 4, bytes: Uint8Array.from(literal.split('.').map(Number)) };
  if (!isIPv6(literal)) return undefined;
  return { family: 6, bytes: ipv6Bytes(literal) };
}

/** `isIPv6` has accepted the text, so only the two shapes (with or without `::`) remain to expand. */
function ipv6Bytes(literal: string): Uint8Array {
  let text = literal;
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (embedded) {
    const [a = 0, b = 0, c = 0, d = 0] = embedded.split('.').map(Number);
    text = text.slice(0, -embedded.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((word, index) => {
    bytes[index * 2] = word >> 8;
    bytes[index * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** Parses `address/prefix` (or a lone address, as a block of one). */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const base = parseIp(address);
  if (!base || rest.length > 0) return undefined;
  const maximum = base.family === 4 ? 32 : 128;
  if (prefixText === undefined) return { base, prefix: maximum };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= maximum ? { base, prefix } : undefined;
}

/** True when `address` lies in `cidr` (same family only; unwrap mapped addresses first). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.base.family !== address.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const bits = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    const index = bit / 8;
    if (((cidr.base.bytes[index] ?? 0) & mask) !== ((address.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** IPv6 prefixes that carry an IPv4 address in their last 32 bits. */
const ipv4CarryingPrefixes: readonly Cidr[] = ['::ffff:0:0/96', '64:ff9b::/96'].map((text) => parseCidr(text) as Cidr);

/**
 * The IPv4 address an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`)
 * IPv6 address reaches; other addresses unchanged. Checked before any rule, so
 * `::ffff:169.254.169.254` is the metadata address it is.
 */
export function unwrapIpv4(address: IpAddress): IpAddress {
  if (address.family === 6 && ipv4CarryingPrefixes.some((prefix) => cidrContains(prefix, address))) return { family: 4, bytes: address.bytes.slice(12) };
  return address;
}

/** Kinds of address a registered endpoint may or may not point at. */
export type AddressClass = 'metadata' | 'link-local' | 'loopback' | 'unspecified' | 'private' | 'multicast' | 'reserved' | 'public';

/** First match wins, so the metadata addresses precede the blocks that contain them. */
const classTable: ReadonlyArray<readonly [string, AddressClass]> = [
  ['169.254.169.254/32', 'metadata'],
  ['fd00:ec2::254/128', 'metadata'],
  ['100.100.100.200/32', 'metadata'],
  ['169.254.0.0/16', 'link-local'],
  ['fe80::/10', 'link-local'],
  ['127.0.0.0/8', 'loopback'],
  ['::1/128', 'loopback'],
  ['0.0.0.0/8', 'unspecified'],
  ['::/128', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'],
  ['fc00::/7', 'private'],
  ['224.0.0.0/4', 'multicast'],
  ['ff00::/8', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  // The rest of ::/96 is the deprecated IPv4-compatible form; nothing legitimate lives there.
  ['::/96', 'reserved'],
];
const classes: ReadonlyArray<readonly [Cidr, AddressClass]> = classTable.map(([text, kind]) => [parseCidr(text) as Cidr, kind]);

/** Classifies an address (after unwrapping IPv4 carried in IPv6). */
export function classifyAddress(address: IpAddress): AddressClass {
  const unwrapped = unwrapIpv4(address);
  return classes.find(([cidr]) => cidrContains(cidr, unwrapped))?.[1] ?? 'public';
}
