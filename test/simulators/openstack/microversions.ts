import type { IncomingHttpHeaders } from 'node:http';

/** A compute API microversion such as 2.26. */
export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

/** The outcome of reading a request's microversion headers. */
export type Negotiation =
  | { readonly ok: true; readonly version: Microversion }
  | { readonly ok: false; readonly status: 400 | 406; readonly message: string };

/** `2.1`: what Nova serves a request that names no version. */
export const MIN_MICROVERSION: Microversion = { major: 2, minor: 1 };

/** Parses `2.26`; undefined when the text is not `Major.Minor`. */
export function parseMicroversion(text: string): Microversion | undefined {
  const match = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    return undefined;
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function formatMicroversion(version: Microversion): string {
  return `${version.major}.${version.minor}`;
}

/** Negative, zero or positive as `left` is older than, equal to or newer than `right`. */
export function compareMicroversions(left: Microversion, right: Microversion): number {
  return left.major === right.major ? left.minor - right.minor : left.major - right.major;
}

/** True when `version` is at least `wanted` (e.g. tags need 2.26). */
export function atLeast(version: Microversion, wanted: string): boolean {
  const parsed = parseMicroversion(wanted);
  if (parsed === undefined) {
    throw new Error(`bad microversion literal ${wanted}`);
  }
  return compareMicroversions(version, parsed) >= 0;
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The version a request asks for. `OpenStack-API-Version: compute X` (2.27+) wins over the
 * legacy `X-OpenStack-Nova-API-Version: X`, as the nova-spec "modern-microversions" says;
 * the first header may list several services (`compute 2.11, identity 2.114`). Neither
 * header → the minimum, 2.1.
 */
function requestedVersion(headers: IncomingHttpHeaders): string | undefined {
  const modern = headerText(headers, 'openstack-api-version');
  for (const entry of (modern ?? '').split(',')) {
    const [service, version] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'compute' && version !== undefined) {
      return version;
    }
  }
  return headerText(headers, 'x-openstack-nova-api-version')?.trim();
}

/**
 * Negotiates a request's microversion against the supported range: `latest` → the
 * maximum; a malformed version → 400; one outside the range → 406 with Nova's message
 * ("Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.96.").
 */
export function negotiateMicroversion(headers: IncomingHttpHeaders, max: Microversion): Negotiation {
  const asked = requestedVersion(headers);
  if (asked === undefined || asked === '') {
    return { ok: true, version: MIN_MICROVERSION };
  }
  if (asked.toLowerCase() === 'latest') {
    return { ok: true, version: max };
  }
  const version = parseMicroversion(asked);
  if (version === undefined) {
    return { ok: false, status: 400, message: `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.` };
  }
  if (compareMicroversions(version, MIN_MICROVERSION) < 0 || compareMicroversions(version, max) > 0) {
    return {
      ok: false,
      status: 406,
      message: `Version ${asked} is not supported by the API. Minimum is ${formatMicroversion(MIN_MICROVERSION)} and maximum is ${formatMicroversion(max)}.`,
    };
  }
  return { ok: true, version };
}

/** The headers Nova adds to every versioned answer. */
export function microversionHeaders(version: Microversion): Record<string, string> {
  const text = formatMicroversion(version);
  return { 'openstack-api-version': `compute ${text}`, 'x-openstack-nova-api-version': text, vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version' };
}
