import type { Logger } from 'pino';
import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { PlatformResponse } from '../../src/platform-http/index.js';
import { isMap } from './json.js';
import { readServer, type ServerReading } from './servers.js';

/**
 * The compute microversion asked for: 2.26 is the first that honours the
 * `tags` filter and shows `tags` (nothing newer is needed: status, task state,
 * metadata and fault are in every version).
 */
export const computeMicroversion = { major: 2, minor: 26 } as const;
export const microversionHeader = `compute ${computeMicroversion.major}.${computeMicroversion.minor}`;

/** A GET to Nova with the connection's token (and its 401 retry) already handled. */
export type ComputeGet = (request: { readonly path: string; readonly query: Readonly<Record<string, string>>; readonly headers: Readonly<Record<string, string>> }, signal: AbortSignal) => Promise<PlatformResponse>;

/** What one listing needs. */
export interface ListingOptions extends ServerReading {
  readonly get: ComputeGet;
  /** `limit` per page; Nova clamps it to its `[api] max_limit` (1000 by default). */
  readonly pageSize: number;
  readonly logger: Logger;
}

const listPath = '/servers/detail';

/**
 * Lists the endpoint's managed servers, one Nova page at a time:
 * `GET /servers/detail?tags=<managed-by tag>&limit=<pageSize>` at microversion
 * 2.26, then the `marker` of each `servers_links` rel=next until a page has
 * none. Any failed page, a microversion below 2.26, a malformed page or a next
 * link that repeats a marker throws; the listing never ends short.
 */
export async function* listManagedServers(options: ListingOptions, signal: AbortSignal): AsyncIterable<readonly RawInstance[]> {
  const seenMarkers = new Set<string>();
  let marker: string | undefined;
  let untagged = 0;
  for (let page = 1; ; page++) {
    const answer = await options.get(
      { path: listPath, query: { tags: options.managedByTag, limit: String(options.pageSize), ...(marker === undefined ? {} : { marker }) }, headers: { 'openstack-api-version': microversionHeader } },
      signal,
    );
    requireMicroversion(answer, options.endpoint);
    const { servers, nextHref } = readPage(answer.body, options.endpoint, page);
    const instances: RawInstance[] = [];
    servers.forEach((server, index) => {
      const outcome = readServer(server, index, options);
      if (outcome.kind === 'untagged') {
        untagged++;
        return;
      }
      if (outcome.ambiguousId) options.logger.warn({ serverId: outcome.instance.platformId, instanceIds: outcome.ambiguousId }, 'server has several instance-id tags; reported without an id');
      instances.push(outcome.instance);
    });
    if (instances.length > 0) yield instances;
    if (nextHref === undefined) break;
    const next = nextMarker(nextHref, servers, options.endpoint, page);
    if (seenMarkers.has(next)) {
      throw payloadError(options.endpoint, `page ${page}'s next link repeats marker ${next}; stopping a listing that would loop`);
    }
    seenMarkers.add(next);
    marker = next;
  }
  // The tag filter runs in Nova; a server without the tag means a proxy or an old Nova dropped it.
  if (untagged > 0) options.logger.warn({ untagged }, 'Nova returned servers without the managed-by tag despite the tag filter; they were skipped');
}

/** Fails unless Nova says it answered at 2.26 or later: below it the tag filter is silently ignored. */
function requireMicroversion(answer: PlatformResponse, endpoint: string): void {
  const answered = answeredMicroversion(answer.headers);
  const ok = answered !== undefined && (answered.major > computeMicroversion.major || (answered.major === computeMicroversion.major && answered.minor >= computeMicroversion.minor));
  if (ok) return;
  const seen = answered === undefined ? 'without a microversion header' : `at microversion ${answered.major}.${answered.minor}`;
  throw payloadError(
    endpoint,
    `GET ${listPath} was answered ${seen}, not ${computeMicroversion.major}.${computeMicroversion.minor}: below it Nova ignores the tag filter and lists every server of the project. Nova 14.0.0 (Newton) or later is needed, and proxies must pass the OpenStack-API-Version header`,
  );
}

/** Reads `OpenStack-API-Version: compute 2.26` (or the legacy `X-OpenStack-Nova-API-Version: 2.26`). */
export function answeredMicroversion(headers: PlatformResponse['headers']): { major: number; minor: number } | undefined {
  const text = (name: string): string => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(',') : (value ?? '');
  };
  const modern = text('openstack-api-version')
    .split(',')
    .map((entry) => entry.trim().split(/\s+/))
    .find(([service]) => service?.toLowerCase() === 'compute')?.[1];
  const match = /^(\d+)\.(\d+)$/.exec((modern ?? text('x-openstack-nova-api-version')).trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

function readPage(body: unknown, endpoint: string, page: number): { servers: unknown[]; nextHref: string | undefined } {
  if (!isMap(body) || !Array.isArray(body['servers'])) throw payloadError(endpoint, `page ${page} of GET ${listPath} has no "servers" list`);
  const links = Array.isArray(body['servers_links']) ? (body['servers_links'] as unknown[]) : [];
  const next = links.find((link) => isMap(link) && link['rel'] === 'next');
  const href = isMap(next) && typeof next['href'] === 'string' ? next['href'] : undefined;
  if (next !== undefined && href === undefined) throw payloadError(endpoint, `page ${page}'s next link has no href`);
  return { servers: body['servers'] as unknown[], nextHref: href };
}

/**
 * The marker of a next link. Only the marker is taken: the link's host may be
 * Nova's internal name behind a proxy, and the filter must stay ours. A link
 * without one falls back to the page's last id, as Nova builds it.
 */
function nextMarker(href: string, servers: readonly unknown[], endpoint: string, page: number): string {
  let fromLink: string | null;
  try {
    fromLink = new URL(href, 'http://link.invalid').searchParams.get('marker');
  } catch {
    throw payloadError(endpoint, `page ${page}'s next link is not a URL`);
  }
  const last = servers.at(-1);
  const lastId = isMap(last) && typeof last['id'] === 'string' ? last['id'] : undefined;
  const marker = fromLink || lastId;
  if (marker === undefined) throw payloadError(endpoint, `page ${page} has a next link but neither a marker nor servers to continue after`);
  return marker;
}

function payloadError(endpoint: string, problem: string): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${endpoint}: ${problem}`, { endpoint, platform: 'openstack' });
}
