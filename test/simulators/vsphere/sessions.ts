import { randomBytes } from 'node:crypto';

/** A live API session. Times are milliseconds of the injected clock. */
export interface SessionRecord {
  readonly token: string;
  readonly user: string;
  readonly createdAt: number;
  lastAccessedAt: number;
}

/** Login and logout counts, so tests can assert e.g. "one login in 100 polls". */
export interface SessionCounters {
  readonly logins: number;
  readonly failedLogins: number;
  readonly logouts: number;
  /** Sessions ended by idle expiry or by `expireAll`. */
  readonly expired: number;
  /** Sessions alive now (idle ones not yet noticed included). */
  readonly active: number;
}

/** Options of {@link createSessionStore}. */
export interface SessionStoreOptions {
  /** The clock, in milliseconds. */
  readonly now: () => number;
  /** A session unused for this long is gone on its next use. */
  readonly idleSeconds: number;
  /** Concurrent sessions allowed per user (vCenter 7's vAPI endpoint allows 550). */
  readonly maxSessionsPerUser: number;
  /** Token generator; default 16 random bytes in hex, like vCenter's. */
  readonly newToken?: () => string;
}

/** Outcome of a login: a token, or a refusal because the user is at the session cap. */
export type LoginOutcome =
  | { readonly ok: true; readonly session: SessionRecord }
  | { readonly ok: false; readonly reason: 'session_limit'; readonly limit: number; readonly existing: number };

/** The sessions of one simulated vCenter. */
export interface SessionStore {
  login(user: string): LoginOutcome;
  recordFailedLogin(): void;
  /** Returns the live session of a token and refreshes its idle timer; expired or unknown → undefined. */
  use(token: string): SessionRecord | undefined;
  /** Ends a session; false when the token was not live. */
  logout(token: string): boolean;
  /** Ends every session now; returns how many ended. */
  expireAll(): number;
  counters(): SessionCounters;
  /** Forgets every session and zeroes the counters. */
  clear(): void;
}

/** Creates an empty session store. */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const newToken = options.newToken ?? (() => randomBytes(16).toString('hex'));
  const idleMilliseconds = options.idleSeconds * 1000;
  const sessions = new Map<string, SessionRecord>();
  const tokensByUser = new Map<string, Set<string>>();
  let logins = 0;
  let failedLogins = 0;
  let logouts = 0;
  let expired = 0;

  function forget(session: SessionRecord): void {
    sessions.delete(session.token);
    tokensByUser.get(session.user)?.delete(session.token);
  }

  function isIdle(session: SessionRecord, now: number): boolean {
    return now - session.lastAccessedAt >= idleMilliseconds;
  }

  /** Drops a user's idle sessions, so they do not count against the cap. */
  function pruneIdle(user: string, now: number): void {
    for (const token of tokensByUser.get(user) ?? []) {
      const session = sessions.get(token);
      if (session !== undefined && isIdle(session, now)) {
        forget(session);
        expired += 1;
      }
    }
  }

  return {
    login(user) {
      const now = options.now();
      pruneIdle(user, now);
      const tokens = tokensByUser.get(user) ?? new Set<string>();
      tokensByUser.set(user, tokens);
      if (tokens.size >= options.maxSessionsPerUser) {
        return { ok: false, reason: 'session_limit', limit: options.maxSessionsPerUser, existing: tokens.size };
      }
      const session: SessionRecord = { token: newToken(), user, createdAt: now, lastAccessedAt: now };
      sessions.set(session.token, session);
      tokens.add(session.token);
      logins += 1;
      return { ok: true, session };
    },
    recordFailedLogin() {
      failedLogins += 1;
    },
    use(token) {
      const session = sessions.get(token);
      if (session === undefined) {
        return undefined;
      }
      const now = options.now();
      if (isIdle(session, now)) {
        forget(session);
        expired += 1;
        return undefined;
      }
      session.lastAccessedAt = now;
      return session;
    },
    logout(token) {
      const session = sessions.get(token);
      if (session === undefined) {
        return false;
      }
      forget(session);
      logouts += 1;
      return true;
    },
    expireAll() {
      const count = sessions.size;
      sessions.clear();
      tokensByUser.clear();
      expired += count;
      return count;
    },
    counters: () => ({ logins, failedLogins, logouts, expired, active: sessions.size }),
    clear() {
      sessions.clear();
      tokensByUser.clear();
      logins = 0;
      failedLogins = 0;
      logouts = 0;
      expired = 0;
    },
  };
}
