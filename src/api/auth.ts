import { createHash, timingSafeEqual } from 'node:crypto';
import { BridgeError, ErrorCode } from '../errors/index.js';

/** What a route needs: `open` (probes), `read` or `write`. */
export type Access = 'open' | 'read' | 'write';

export interface TokenSettings {
  /** Required by writes; writes are refused while unset. */
  readonly writeToken: string | null;
  /** Required by reads when set; the write token reads too. */
  readonly readToken: string | null;
}

/** Checks the bearer token of a request against the configured ones. */
export interface TokenGuard {
  /** Throws `UNAUTHENTICATED` (no or unknown token) or `PERMISSION_DENIED` (a read token on a write; writes off). */
  authorize(authorization: string | undefined, access: Access): void;
}

/** Comparing digests of equal length keeps the time independent of where the texts differ, and of their lengths. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The API's bearer-token check: open routes pass; reads pass when no read
 * token is configured; everything else needs a configured token, compared in
 * constant time.
 */
export function createTokenGuard(settings: TokenSettings): TokenGuard {
  return {
    authorize(authorization, access) {
      if (access === 'open') return;
      if (access === 'read' && settings.readToken === null) return;
      if (access === 'write' && settings.writeToken === null) throw new BridgeError(ErrorCode.PermissionDenied, 'writes are disabled: api.writeToken is not configured');
      const token = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
      if (token === undefined) throw new BridgeError(ErrorCode.Unauthenticated, 'a bearer token is required (Authorization: Bearer <token>)');
      // Both comparisons always run, so the answer time does not tell which token matched.
      const isWriter = settings.writeToken !== null && sameSecret(token, settings.writeToken);
      const isReader = settings.readToken !== null && sameSecret(token, settings.readToken);
      if (!isWriter && !isReader) throw new BridgeError(ErrorCode.Unauthenticated, 'the bearer token is not valid');
      if (access === 'write' && !isWriter) throw new BridgeError(ErrorCode.PermissionDenied, 'this token may read but not write');
    },
  };
}
