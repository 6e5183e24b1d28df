import ipaddr from 'ipaddr.js';
import { isIPv4, isIPv6 } from 'node:net';

/** An IPv4 or IPv6 address, as ipaddr.js parses it. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** An address block: every address whose first `prefix` bits equal those of `base`. */
export interface Cidr {
  readonly base: IpAddress;
  readonly prefix: number;
}

/**
 * Parses an IPv4 or IPv6 literal (brackets and a zone index are accepted and
 * dropped); undefined when not one. Only the standard spellings: ipaddr.js
 * alone would also take inet_aton's (`10.1`, `0x7f.1`), which a URL parser has
 * already normalized and an allow-list entry must not be guessed from.
 */
export function parseIp(text: string): IpAddress | undefined {
  const literal = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(literal)) return ipaddr.parse(literal);
  if (!isIPv6(literal)) return undefined;
  // ipaddr.js reads `::a.b.c.d` (IPv4-compatible, ::/96) as `::ffff:a.b.c.d` (IPv4-mapped);
  // a socket does not. Hex groups for a dotted tail keep the address the one Node connects to.
  return ipaddr.parse(literal.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) => `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`));
}

/** Parses `address/prefix` (or a lone address, as a block of one). */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const base = parseIp(address);
  if (!base || rest.length > 0) return undefined;
  const maximum = base.kind() === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { base, prefix: maximum };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= maximum ? { base, prefix } : undefined;
}

/** True when `address` lies in `cidr` (same family only; unwrap IPv4 carried in IPv6 first). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  return cidr.base.kind() === address.kind() && address.match(cidr.base, cidr.prefix);
}

const nat64WellKnown = parseCidr('64:ff9b::/96') as Cidr;

const ipv4Of = (high: number, low: number): ipaddr.IPv4 => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

/**
 * The IPv4 address an IPv6 address stands for, or the address unchanged.
 * Checked before any rule, so `::ffff:169.254.169.254` is the metadata address it is:
 * - IPv4-mapped `::ffff:a.b.c.d` and IPv4-translated `::ffff:0:a.b.c.d` (RFC 6145):
 *   the socket reaches a.b.c.d;
 * - NAT64's well-known prefix `64:ff9b::a.b.c.d` (RFC 6052): the translator reaches it;
 * - 6to4 `2002:aabb:ccdd::/48` (RFC 3056): the site behind the IPv4 router aa.bb.cc.dd.
 */
export function unwrapIpv4(address: IpAddress): IpAddress {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  const parts = v6.parts;
  const range: string = v6.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || (range === 'rfc6052' && cidrContains(nat64WellKnown, v6))) return ipv4Of(parts[6] ?? 0, parts[7] ?? 0);
  if (range === '6to4') return ipv4Of(parts[1] ?? 0, parts[2] ?? 0);
  return address;
}

/** Kinds of address a registered endpoint may or may not point at. */
export type AddressClass = 'metadata' | 'link-local' | 'loopback' | 'unspecified' | 'private' | 'multicast' | 'reserved' | 'public';

/** Cloud instance-metadata services: link-local or private, but worth naming on their own. */
const metadataAddresses: readonly IpAddress[] = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200'].map((text) => parseIp(text) as IpAddress);

/**
 * ipaddr.js's range names (IANA's special-purpose registries) → our classes.
 * A range missing here (a newer ipaddr.js may name more) counts as reserved:
 * every named range is special-purpose, so refusing it is the safe default.
 */
const classByRange: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link-local',
  private: 'private',
  carrierGradeNat: 'private',
  uniqueLocal: 'private',
  // fec0::/10, the site-local space RFC 3879 retired: private where it is still routed.
  deprecatedSiteLocal: 'private',
  multicast: 'multicast',
  broadcast: 'reserved',
  reserved: 'reserved',
  benchmarking: 'reserved',
  discard: 'reserved',
  deprecatedOrchid: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
  segmentRouting: 'reserved',
  // Teredo (RFC 4380) hides the IPv4 it reaches behind a relay and an XOR; NAT64's
  // local-use prefix 64:ff9b:1::/48 (RFC 8215) places it where the operator chose.
  // What such an address reaches cannot be judged, and no platform is addressed that way.
  teredo: 'reserved',
  rfc6052: 'reserved',
  // Global anycast services (AMT relays, AS112 DNS sinks): public, if odd targets.
  amt: 'public',
  as112: 'public',
  as112v6: 'public',
};

/** `::/96` beyond `::` and `::1`: the deprecated IPv4-compatible form (RFC 4291); nothing legitimate lives there. */
const ipv4Compatible = parseCidr('::/96') as Cidr;

/** Classifies an address (after unwrapping IPv4 carried in IPv6) with ipaddr.js's ranges. */
export function classifyAddress(address: IpAddress): AddressClass {
  const reached = unwrapIpv4(address);
  if (metadataAddresses.some((metadata) => metadata.kind() === reached.kind() && metadata.toNormalizedString() === reached.toNormalizedString())) return 'metadata';
  const kind = classByRange[reached.range()] ?? 'reserved';
  if (kind === 'public' && cidrContains(ipv4Compatible, reached)) return 'reserved';
  return kind;
}
