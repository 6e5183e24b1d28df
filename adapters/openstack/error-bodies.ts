import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { ErrorBodyDetail } from '../../src/platform-http/index.js';
import { isJsonObject } from '../../src/values/index.js';

/**
 * Reads Nova and Keystone error bodies for platform-http's `describeErrorBody`,
 * and keeps the `retryAfter` of a Nova `overLimit` body, which platform-http's
 * hook cannot return: the adapter takes it right after the failed request
 * (requests of one connection run one at a time) with {@link takeRetryAfterMs}.
 */
export interface ErrorBodyReader {
  describe(body: unknown): ErrorBodyDetail | undefined;
  /** The `retryAfter` of the last body described, in ms; cleared by reading. */
  takeRetryAfterMs(): number | undefined;
}

/**
 * Nova: `{"<faultName>": {"code": 413, "message": "…", "retryAfter"?: "59"}}`
 * (`nova/api/openstack/wsgi.py`, class Fault). Keystone and keystonemiddleware:
 * `{"error": {"code": 401, "message": "…", "title": "Unauthorized"}}`.
 * Messages go through `scrub`, since Keystone echoes token ids.
 */
export function createErrorBodyReader(scrub: (text: string) => string): ErrorBodyReader {
  let retryAfterMs: number | undefined;
  return {
    describe(body) {
      retryAfterMs = undefined;
      if (!isJsonObject(body)) return undefined;
      const keys = Object.keys(body);
      const name = keys.length === 1 ? keys[0] : undefined;
      const inner = name === undefined ? undefined : body[name];
      if (name === undefined || !isJsonObject(inner)) return undefined;
      const message = typeof inner['message'] === 'string' ? scrub(inner['message']) : undefined;
      if (name === 'error') {
        const title = typeof inner['title'] === 'string' ? inner['title'] : undefined;
        return { ...(title ? { code: title } : {}), ...(message ? { message } : {}) };
      }
      retryAfterMs = readRetryAfterMs(inner['retryAfter']);
      return { code: name, ...(message ? { message } : {}) };
    },
    takeRetryAfterMs() {
      const value = retryAfterMs;
      retryAfterMs = undefined;
      return value;
    },
  };
}

/**
 * An overLimit body's `retryAfter` (seconds, a number or a string of digits)
 * in ms; undefined when it is missing, negative, or not a finite number (JSON
 * reads `1e400` and a string of 400 digits as Infinity), so a broken body
 * gives no hint rather than an endless one. The scheduler caps what remains.
 */
function readRetryAfterMs(hint: unknown): number | undefined {
  const seconds = typeof hint === 'number' ? hint : typeof hint === 'string' && /^\d+$/.test(hint.trim()) ? Number(hint) : undefined;
  if (seconds === undefined || !Number.isFinite(seconds * 1000) || seconds < 0) return undefined;
  return seconds * 1000;
}

/**
 * Folds an `overLimit` body's `retryAfter` into a platform-http error that
 * lacks it (platform-http reads `Retry-After` on 429 and 503 only; older Novas
 * answer overLimit with 413). The longer of header and body wins, and an
 * overLimit is always PLATFORM_THROTTLED.
 */
export function withBodyRetryAfter(error: unknown, bodyRetryAfterMs: number | undefined): unknown {
  if (!(error instanceof BridgeError) || bodyRetryAfterMs === undefined) return error;
  const known = typeof error.context.retryAfterMs === 'number' ? error.context.retryAfterMs : undefined;
  if (known !== undefined && known >= bodyRetryAfterMs && error.code === ErrorCode.PlatformThrottled) return error;
  const retryAfterMs = Math.max(known ?? 0, bodyRetryAfterMs);
  const message = known === undefined ? `${error.message}; retry after ${Math.ceil(retryAfterMs / 1000)} s` : error.message;
  return new BridgeError(ErrorCode.PlatformThrottled, message, { ...error.context, retryAfterMs }, { cause: error });
}
