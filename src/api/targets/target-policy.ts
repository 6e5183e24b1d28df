import { lookup } from 'node:dns/promises';
import type { ConnectTargetCheck } from '../../adapter/index.js';
import { BridgeError, ErrorCode } from '../../errors/index.js';
import { boundText } from '../../text/index.js';
import { cidrContains, classifyAddress, parseCidr, parseIp, unwrapIpv4, type Cidr, type IpAddress } from './ip.js';

/** One entry of `api.allowedTargets`: an address block, or a host name (`*.` allows its subdomains). */
export type TargetEntry = { readonly kind: 'cidr'; readonly cidr: Cidr } | { readonly kind: 'host'; readonly host: string; readonly subdomains: boolean };

/** Resolves a host name to every address it has (A and AAAA). Injectable so tests need no DNS. */
export type Resolver = (host: string) => Promise<readonly string[]>;

export interface TargetPolicySettings {
  readonly allowedTargets: readonly string[];
  readonly allowPrivateTargets: boolean;
}

/**
 * What the policy concluded about one URL: allowed, or why not.
 * `unresolved` (no address now) can change by itself and is worth retrying;
 * `refused` (an address the policy forbids) and `malformed` cannot.
 */
export type TargetVerdict =
  | { readonly allowed: true; readonly host: string }
  | { readonly allowed: false; readonly problem: 'malformed' | 'unresolved' | 'refused'; readonly host: string; readonly reason: string; readonly cause?: unknown };

/**
 * Decides whether a registered endpoint may point at a URL (the SSRF guard of
 * the API). As a {@link ConnectTargetCheck} it also judges each socket the
 * adapters open for such an endpoint, with the same resolver and rules.
 */
export interface TargetPolicy extends ConnectTargetCheck {
  /** Resolves `url`'s host now and judges every address it has; never throws. */
  judge(url: string): Promise<TargetVerdict>;
  /** Resolves when every address of `url`'s host is allowed; throws an `INVALID_ARGUMENT` BridgeError naming `path` otherwise. */
  check(url: string, path: string): Promise<void>;
}

const hostNamePattern = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Parses one allow-list entry; undefined when it is neither a CIDR/address nor a host name. */
export function parseTargetEntry(text: string): TargetEntry | undefined {
  const trimmed = text.trim().toLowerCase();
  const cidr = parseCidr(trimmed);
  if (cidr) return { kind: 'cidr', cidr: { ...cidr, base: unwrapIpv4(cidr.base) } };
  if (trimmed.length > 253 || !hostNamePattern.test(trimmed)) return undefined;
  return trimmed.startsWith('*.') ? { kind: 'host', host: trimmed.slice(2), subdomains: true } : { kind: 'host', host: trimmed, subdomains: false };
}

/** The system resolver: every address, in the order getaddrinfo gives them. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

function hostMatches(entry: TargetEntry, host: string): boolean {
  if (entry.kind !== 'host') return false;
  return host === entry.host || (entry.subdomains && host.endsWith(`.${entry.host}`));
}

/**
 * Why `address` (one address `host` resolves to) may not be polled, or
 * undefined when it may. The rules, in order:
 * 1. an address inside a CIDR of the allow-list is allowed, whatever it is
 *    (the operator named it);
 * 2. with a non-empty allow-list, the host must match one of its names;
 * 3. metadata and link-local addresses are refused;
 * 4. loopback and private addresses are refused unless `allowPrivateTargets`;
 * 5. unspecified, multicast and reserved addresses are refused;
 * 6. anything else (public) is allowed.
 * IPv4 carried in IPv6 (mapped, NAT64) is judged as the IPv4 address it reaches.
 */
export function judgeAddress(host: string, address: IpAddress, entries: readonly TargetEntry[], allowPrivateTargets: boolean): string | undefined {
  const reached = unwrapIpv4(address);
  if (entries.some((entry) => entry.kind === 'cidr' && cidrContains(entry.cidr, reached))) return undefined;
  if (entries.length > 0 && !entries.some((entry) => hostMatches(entry, host))) return 'is not in api.allowedTargets';
  const kind = classifyAddress(reached);
  if (kind === 'metadata' || kind === 'link-local') return `is a ${kind} address (refused unless a CIDR in api.allowedTargets covers it)`;
  if ((kind === 'loopback' || kind === 'private') && !allowPrivateTargets) return `is a ${kind} address (refused unless api.allowPrivateTargets is true or a CIDR in api.allowedTargets covers it)`;
  if (kind === 'unspecified' || kind === 'multicast' || kind === 'reserved') return `is ${kind === 'unspecified' ? 'an unspecified' : `a ${kind}`} address, never a platform`;
  return undefined;
}

/** Compiles the policy; throws when an allow-list entry cannot be read (config validation catches that first). */
export function createTargetPolicy(settings: TargetPolicySettings, resolver: Resolver = systemResolver): TargetPolicy {
  const entries = settings.allowedTargets.map((text) => {
    const entry = parseTargetEntry(text);
    if (!entry) throw new BridgeError(ErrorCode.ConfigInvalid, `api.allowedTargets: "${text}" is neither a CIDR, an address nor a host name`);
    return entry;
  });
  const refuse = (path: string, message: string): BridgeError => new BridgeError(ErrorCode.InvalidArgument, `${path}: ${message}`, { issues: [{ path, message }] });

  /** Why `host` may not be reached at `text` (its literal self, or one address it resolved to), in words that name both. */
  const refusal = (host: string, text: string): string | undefined => {
    const address = parseIp(text);
    const reason = address ? judgeAddress(host, address, entries, settings.allowPrivateTargets) : 'is not an IP address';
    if (!reason) return undefined;
    return parseIp(host) ? `${host} ${reason}` : `host ${host} resolves to ${text}, which ${reason}`;
  };

  const judge = async (url: string): Promise<TargetVerdict> => {
    let host: string;
    try {
      host = new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    } catch {
      return { allowed: false, problem: 'malformed', host: '', reason: 'must be an absolute URL' };
    }
    const literal = parseIp(host);
    let addresses: readonly string[] = [host];
    if (!literal) {
      try {
        addresses = await resolver(host);
      } catch (error) {
        return { allowed: false, problem: 'unresolved', host, reason: `host ${host} does not resolve (${describeLookupFailure(error)})`, cause: error };
      }
      if (addresses.length === 0) return { allowed: false, problem: 'unresolved', host, reason: `host ${host} does not resolve (no addresses)` };
    }
    for (const text of addresses) {
      const reason = refusal(host, text);
      if (reason) return { allowed: false, problem: 'refused', host, reason };
    }
    return { allowed: true, host };
  };

  return {
    judge,
    resolve: (host) => resolver(host),
    refusal,
    async check(url, path) {
      const verdict = await judge(url);
      if (!verdict.allowed) throw refuse(path, verdict.reason);
    },
  };
}

/** The resolver's own words (`ENOTFOUND`, `EAI_AGAIN`: temporary), short enough for a status line. */
function describeLookupFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const words = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  return boundText(words, 200);
}
