import { BridgeError, ErrorCode } from '../errors/index.js';

/** AEP-158 page sizes: `max_page_size` 1–1000, 50 when absent. */
export const defaultPageSize = 50;
export const maximumPageSize = 1000;

/**
 * A list's position: the sort key of the last item served. Keys (not offsets)
 * keep pages stable while items come and go between requests.
 */
export type PageKey = readonly string[];

interface TokenBody {
  readonly v: 1;
  /** The collection and filters the token was issued for. */
  readonly s: string;
  readonly k: PageKey;
}

/** An opaque token resuming after `key` in the list identified by `scope` (collection + filters). */
export function encodePageToken(scope: string, key: PageKey): string {
  const body: TokenBody = { v: 1, s: scope, k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The key a token resumes after. Throws `INVALID_ARGUMENT` when the token is
 * not one of ours or was issued for another list or other filters (its
 * position would mean nothing there).
 */
export function decodePageToken(token: string, scope: string): PageKey {
  const invalid = (why: string): BridgeError => new BridgeError(ErrorCode.InvalidArgument, `page_token is invalid: ${why}`, { issues: [{ path: 'querystring.page_token', message: why }] });
  let body: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a token this API issued');
  }
  const candidate = body as Partial<TokenBody> | null;
  if (candidate === null || typeof candidate !== 'object' || candidate.v !== 1 || typeof candidate.s !== 'string' || !Array.isArray(candidate.k) || !candidate.k.every((part) => typeof part === 'string')) {
    throw invalid('not a token this API issued');
  }
  if (candidate.s !== scope) throw invalid('it belongs to another list or other filters; repeat the first request without it');
  return candidate.k;
}

/** Orders page keys part by part (plain string order, as `sort()` does). */
export function compareKeys(left: PageKey, right: PageKey): number {
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const a = left[index] ?? '';
    const b = right[index] ?? '';
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** One page of `sorted` (ascending by `keyOf`) after `after`, and the key to continue from when more remain. */
export function pageOf<T>(sorted: readonly T[], keyOf: (item: T) => PageKey, size: number, after?: PageKey): { results: T[]; nextKey?: PageKey } {
  const remaining = after ? sorted.filter((item) => compareKeys(keyOf(item), after) > 0) : [...sorted];
  const results = remaining.slice(0, size);
  const last = results[results.length - 1];
  return remaining.length > size && last !== undefined ? { results, nextKey: keyOf(last) } : { results };
}
