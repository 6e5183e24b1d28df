import { randomBytes } from 'node:crypto';

/** Authentication methods the simulated Keystone accepts. */
export type AuthMethod = 'password' | 'application_credential';

/** An issued token. Times are milliseconds of the injected clock. */
export interface TokenRecord {
  readonly id: string;
  readonly methods: readonly AuthMethod[];
  /** False for an unscoped password token (no project, no catalog). */
  readonly projectScoped: boolean;
  readonly issuedAt: number;
  expiresAt: number;
  readonly auditId: string;
}

/** Why a token does not validate. */
export type TokenProblem = 'unknown' | 'expired' | 'revoked';

/** Token figures, so tests can assert e.g. "100 polls → 1 token request". */
export interface TokenCounters {
  /** Successful `POST /v3/auth/tokens`. */
  readonly issued: number;
  /** `POST /v3/auth/tokens` refused (401) for bad credentials. */
  readonly failedAuth: number;
  /** `GET /v3/auth/tokens` validations answered 200. */
  readonly validated: number;
  /** Nova requests refused because the token was missing, unknown, expired or revoked. */
  readonly rejected: number;
  /** Tokens revoked (DELETE, `revokeAll`, or a listing fault). */
  readonly revoked: number;
  /** Tokens alive now (not expired, not revoked). */
  readonly active: number;
}

/** Options of {@link createTokenStore}. */
export interface TokenStoreOptions {
  readonly now: () => number;
  readonly ttlSeconds: number;
  /** Token id generator; default a Fernet-looking random string (`gAAAAAB…`). */
  readonly newToken?: () => string;
}

/** The tokens of one simulated Keystone. */
export interface TokenStore {
  issue(methods: readonly AuthMethod[], projectScoped: boolean): TokenRecord;
  /** The token if it validates now, else why not. */
  check(id: string | undefined): { readonly ok: true; readonly token: TokenRecord } | { readonly ok: false; readonly problem: TokenProblem };
  revoke(id: string): boolean;
  revokeAll(): number;
  /** Moves every live token's expiry to now; their next use answers 401. */
  expireAll(): number;
  recordFailedAuth(): void;
  recordValidated(): void;
  recordRejected(): void;
  counters(): TokenCounters;
  clear(): void;
}

function fernetLike(): string {
  return `gAAAAAB${randomBytes(132).toString('base64url')}`;
}

/** Creates an empty token store. */
export function createTokenStore(options: TokenStoreOptions): TokenStore {
  const newToken = options.newToken ?? fernetLike;
  let tokens = new Map<string, TokenRecord>();
  const revokedIds = new Set<string>();
  let issued = 0;
  let failedAuth = 0;
  let validated = 0;
  let rejected = 0;
  let revoked = 0;

  const isLive = (token: TokenRecord, now: number): boolean => now < token.expiresAt;

  return {
    issue(methods, projectScoped) {
      const now = options.now();
      const token: TokenRecord = {
        id: newToken(),
        methods: [...methods],
        projectScoped,
        issuedAt: now,
        expiresAt: now + options.ttlSeconds * 1000,
        auditId: randomBytes(16).toString('base64url').slice(0, 22),
      };
      tokens.set(token.id, token);
      issued += 1;
      return token;
    },
    check(id) {
      if (id === undefined || id === '') {
        return { ok: false, problem: 'unknown' };
      }
      if (revokedIds.has(id)) {
        return { ok: false, problem: 'revoked' };
      }
      const token = tokens.get(id);
      if (token === undefined) {
        return { ok: false, problem: 'unknown' };
      }
      return isLive(token, options.now()) ? { ok: true, token } : { ok: false, problem: 'expired' };
    },
    revoke(id) {
      if (!tokens.delete(id)) {
        return false;
      }
      revokedIds.add(id);
      revoked += 1;
      return true;
    },
    revokeAll() {
      const count = tokens.size;
      for (const id of tokens.keys()) {
        revokedIds.add(id);
      }
      tokens = new Map();
      revoked += count;
      return count;
    },
    expireAll() {
      const now = options.now();
      let count = 0;
      for (const token of tokens.values()) {
        if (isLive(token, now)) {
          token.expiresAt = now;
          count += 1;
        }
      }
      return count;
    },
    recordFailedAuth: () => {
      failedAuth += 1;
    },
    recordValidated: () => {
      validated += 1;
    },
    recordRejected: () => {
      rejected += 1;
    },
    counters() {
      const now = options.now();
      const active = [...tokens.values()].filter((token) => isLive(token, now)).length;
      return { issued, failedAuth, validated, rejected, revoked, active };
    },
    clear() {
      tokens = new Map();
      revokedIds.clear();
      issued = 0;
      failedAuth = 0;
      validated = 0;
      rejected = 0;
      revoked = 0;
    },
  };
}
