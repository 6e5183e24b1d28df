import type { Logger } from 'pino';
import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { PlatformRequest, PlatformResponse } from '../../src/platform-http/index.js';
import { jsonContentTypeProblem } from './answers.js';
import { isJsonObject } from '../../src/values/index.js';
import { readServer, type ServerReading } from './servers.js';

/**
 * The compute microversion asked for: 2.26 is the first that honours the
 * `tags` filter and shows `tags` (nothing newer is needed: status, task state,
 * metadata and fault are in every version).
 */
export const computeMicroversion = { major: 2, minor: 26 } as const;
export const microversionHeader = `compute ${computeMicroversion.major}.${computeMicroversion.minor}`;

/** A GET to Nova with the connection's token (and its 401 retry) already handled. */
export type ComputeGet = (request: Pick<PlatformRequest, 'path' | 'listKey'> & { readonly query: Readonly<Record<string, string>>; readonly headers: Readonly<Record<string, string>> }, signal: AbortSignal) => Promise<PlatformResponse>;

/**
 * What a connection remembers from one listing to the next: the page size Nova
 * really serves. Nova clamps `limit` to its `[api] max_limit` and links only a
 * page that holds that many servers, so a linked page shorter than the asked
 * `limit` shows the clamp.
 */
export interface ListingMemory {
  novaPageLimit: number | undefined;
}

/** What one listing needs. */
export interface ListingOptions extends ServerReading {
  readonly get: ComputeGet;
  /** `limit` per page; Nova clamps it to its `[api] max_limit` (1000 by default). */
  readonly pageSize: number;
  readonly logger: Logger;
  /** The connection's memory, updated by the listing. */
  readonly memory: ListingMemory;
}

const listPath = '/servers/detail';

/**
 * Lists the endpoint's managed servers, one Nova page at a time:
 * `GET /servers/detail?tags=<managed-by tag>&limit=<pageSize>` at microversion
 * 2.26, then the `marker` of each `servers_links` rel=next until a page has
 * none. A full page without a next link is not taken as the end (Nova links
 * every full page; a proxy or a bug dropped it): the page after its last
 * server is asked for too. Any failed page, an answer that is not Nova's
 * documented JSON (empty, another content type, no `servers` list, a server
 * without id or status), a microversion below 2.26, or a next link that
 * repeats a marker throws; the listing never ends short. `onFirstAnswer`
 * sees the first page's answer before anything is yielded.
 */
export async function* listManagedServers(options: ListingOptions, signal: AbortSignal, onFirstAnswer?: (answer: PlatformResponse) => void): AsyncIterable<readonly RawInstance[]> {
  const counts = { untagged: 0, tagsMissing: 0, partial: 0 };
  for await (const { servers, answer, page } of walkServerPages(options, { tags: options.managedByTag }, signal)) {
    if (page === 1) onFirstAnswer?.(answer);
    const instances: RawInstance[] = [];
    servers.forEach((server, index) => {
      const outcome = readServer(server, index, options);
      if (outcome.kind === 'untagged') {
        counts.untagged++;
        return;
      }
      if (outcome.tagsMissing) counts.tagsMissing++;
      if (outcome.partial) counts.partial++;
      if (outcome.ambiguousId) options.logger.warn({ serverId: outcome.instance.platformId, instanceIds: outcome.ambiguousId }, 'server has several instance-id tags; reported without an id');
      instances.push(outcome.instance);
    });
    if (instances.length > 0) yield instances;
  }
  // The tag filter runs in Nova; a server without the tag means a proxy or an old Nova dropped it.
  if (counts.untagged > 0) options.logger.warn({ untagged: counts.untagged }, 'Nova returned servers without the managed-by tag despite the tag filter; they were skipped');
  if (counts.tagsMissing > 0) options.logger.warn({ tagsMissing: counts.tagsMissing }, 'Nova returned servers without their tags; reported on the strength of the server-side tag filter');
  if (counts.partial > 0) options.logger.warn({ partial: counts.partial }, 'Nova listed partial records of servers in a down cell; their last state is kept');
}

/** One answered page of a `servers/detail` walk: its `servers` entries, unread, and the answer (headers). */
export interface ServerPage {
  readonly servers: readonly unknown[];
  readonly answer: PlatformResponse;
  /** 1 for the request without a marker. */
  readonly page: number;
}

/**
 * Walks `GET /servers/detail` with `filters` (plus `limit`, then each next
 * link's `marker`) at microversion 2.26, checking each answer as
 * {@link listManagedServers} describes; it ends only after the last page.
 */
export async function* walkServerPages(options: Omit<ListingOptions, keyof ServerReading> & Pick<ServerReading, 'endpoint'>, filters: Readonly<Record<string, string>>, signal: AbortSignal): AsyncGenerator<ServerPage> {
  const seenMarkers = new Set<string>();
  let marker: string | undefined;
  for (let page = 1; ; page++) {
    const answer = await options.get(
      // A page of 1,000 servers is 1.4 MB: parsed in pieces, its objects die young instead of piling up in the old generation.
      { path: listPath, query: { ...filters, limit: String(options.pageSize), ...(marker === undefined ? {} : { marker }) }, headers: { 'openstack-api-version': microversionHeader }, listKey: 'servers' },
      signal,
    );
    const { servers, nextHref } = readPage(answer, options.endpoint, page);
    requireMicroversion(answer, options.endpoint);
    yield { servers, answer, page };

    let next: string;
    if (nextHref !== undefined) {
      options.memory.novaPageLimit = servers.length < options.pageSize ? servers.length : undefined;
      next = nextMarker(nextHref, servers, options.endpoint, page);
    } else if (servers.length > 0 && servers.length >= fullPageSize(options)) {
      options.logger.warn({ page, servers: servers.length }, 'a full page came without its next link; asking for the page after its last server before trusting it as the end');
      next = lastServerId(servers) ?? '';
    } else {
      break;
    }
    if (seenMarkers.has(next)) {
      throw payloadError(options.endpoint, `page ${page}'s next link repeats marker ${next.slice(0, 80)}; stopping a listing that would loop`);
    }
    seenMarkers.add(next);
    marker = next;
  }
}

/** The page size that makes a page "full": the asked `limit`, or Nova's smaller `max_limit` once a page showed it. */
function fullPageSize(options: Pick<ListingOptions, 'pageSize' | 'memory'>): number {
  return Math.min(options.pageSize, options.memory.novaPageLimit ?? options.pageSize);
}

function lastServerId(servers: readonly unknown[]): string | undefined {
  const last = servers.at(-1);
  return isJsonObject(last) && typeof last['id'] === 'string' ? last['id'] : undefined;
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

/**
 * The `servers` and next link of a page, after checking it is Nova's
 * documented answer: a JSON object with a `servers` list, under
 * `application/json`, and `servers_links` (when present) a list.
 */
function readPage(answer: PlatformResponse, endpoint: string, page: number): { servers: unknown[]; nextHref: string | undefined } {
  const where = `page ${page} of GET ${listPath}`;
  const body = answer.body;
  if (body === undefined) throw payloadError(endpoint, `${where} came with an empty body (HTTP ${answer.status}), not a servers list`);
  const contentProblem = jsonContentTypeProblem(answer.headers);
  if (contentProblem !== undefined) throw payloadError(endpoint, `${where} ${contentProblem}`);
  if (!isJsonObject(body) || !Array.isArray(body['servers'])) throw payloadError(endpoint, `${where} has no "servers" list`);
  const rawLinks = body['servers_links'];
  if (rawLinks !== undefined && !Array.isArray(rawLinks)) throw payloadError(endpoint, `${where} has a "servers_links" that is not a list`);
  const links = (rawLinks ?? []) as unknown[];
  const next = links.find((link) => isJsonObject(link) && link['rel'] === 'next');
  const href = isJsonObject(next) && typeof next['href'] === 'string' ? next['href'] : undefined;
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
  const marker = fromLink || lastServerId(servers);
  if (marker === undefined) throw payloadError(endpoint, `page ${page} has a next link but neither a marker nor servers to continue after`);
  return marker;
}

export function payloadError(endpoint: string, problem: string): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${endpoint}: ${problem}`, { endpoint, platform: 'openstack' });
}
