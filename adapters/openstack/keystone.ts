import type { Logger } from 'pino';
import type { Clock } from '../../src/clock/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../../src/errors/index.js';
import type { PlatformRequest, PlatformResponse } from '../../src/platform-http/index.js';
import { readCatalog, type CatalogEndpoint } from './catalog.js';
import { isJsonObject } from '../../src/values/index.js';
import type { OpenstackAuth } from './settings.js';

/** A Keystone token as the adapter keeps it; times are the injected clock's. */
export interface KeystoneToken {
  /** The `X-Subject-Token`. Never logged, never in an error. */
  readonly id: string;
  readonly expiresAt: number;
  /** When it is replaced proactively, a safety margin before `expiresAt`. */
  readonly renewAt: number;
  /** Empty when the token was asked for without one (`?nocatalog`). */
  readonly catalog: readonly CatalogEndpoint[];
}

/** What a Keystone session needs. `send` goes to the Keystone v3 root (`…/v3`). */
export interface KeystoneSessionOptions {
  readonly send: (request: PlatformRequest) => Promise<PlatformResponse>;
  readonly auth: OpenstackAuth;
  /** False when `computeUrl` is configured: the token is asked for with `?nocatalog`. */
  readonly withCatalog: boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly endpoint: string;
}

/**
 * The token of one endpoint connection, reused across polls until it is due
 * for renewal (one token request per token lifetime, not one per poll).
 */
export interface KeystoneSession {
  /** The current token, authenticating first when there is none or it is due for renewal. */
  token(signal: AbortSignal): Promise<KeystoneToken>;
  /** After a 401 with `stale`: drops it (unless another call already did) and authenticates again. */
  renew(stale: KeystoneToken, signal: AbortSignal): Promise<KeystoneToken>;
  /** The current token id, so error texts can be scrubbed of it. */
  currentTokenId(): string | undefined;
  /** Forgets the token; later calls fail with POLL_ABORTED. */
  close(): void;
}

/** Renew 5 minutes before expiry, or a tenth of the lifetime for short-lived tokens. */
export function renewalMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs / 10);
}

/** The `POST /v3/auth/tokens` body; project-scoped for passwords (an application credential carries its own scope). */
export function authRequestBody(auth: OpenstackAuth): unknown {
  if (auth.method === 'application_credential') {
    return { auth: { identity: { methods: ['application_credential'], application_credential: { id: auth.id, secret: auth.secret } } } };
  }
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: auth.userDomainName }, password: auth.password } } },
      scope: { project: { name: auth.projectName, domain: { name: auth.projectDomainName } } },
    },
  };
}

const credentialHints: Readonly<Record<OpenstackAuth['method'], string>> = {
  password: 'check credentials.username, password, userDomainName, projectName and projectDomainName (or the clouds.yaml entry), and that the user has a role on the project',
  application_credential: 'check credentials.applicationCredentialId and applicationCredentialSecret (or the clouds.yaml entry); the credential may have expired or been deleted',
};

/** Creates the session; nothing is sent before the first `token()`. */
export function createKeystoneSession(options: KeystoneSessionOptions): KeystoneSession {
  const { clock, logger } = options;
  // One authentication in flight at most; callers that need a token meanwhile share it.
  let current: Promise<KeystoneToken> | undefined;
  // The token `current` resolved to; undefined while an authentication is in flight.
  let settled: KeystoneToken | undefined;
  // The newest token ever held, for scrubbing; kept after a renewal starts.
  let latest: KeystoneToken | undefined;
  let closed = false;

  const authenticate = async (signal: AbortSignal): Promise<KeystoneToken> => {
    const sentAt = clock.now();
    let answer: PlatformResponse;
    try {
      answer = await options.send({
        method: 'POST',
        path: '/auth/tokens',
        ...(options.withCatalog ? {} : { query: { nocatalog: '' } }),
        json: authRequestBody(options.auth),
        signal,
      });
    } catch (error) {
      if (isBridgeError(error, ErrorCode.PlatformAuth)) {
        throw new BridgeError(ErrorCode.PlatformAuth, `${error.message}: Keystone refused the ${options.auth.method.replace('_', ' ')}; ${credentialHints[options.auth.method]}`, error.context, { cause: error });
      }
      throw error;
    }
    const token = readToken(answer, sentAt, options.endpoint);
    settled = token;
    latest = token;
    logger.info({ expiresAt: new Date(token.expiresAt).toISOString(), catalogEndpoints: token.catalog.length }, 'Keystone token issued');
    return token;
  };

  const token = (signal: AbortSignal): Promise<KeystoneToken> => {
    if (closed) return Promise.reject(new BridgeError(ErrorCode.PollAborted, `openstack endpoint ${options.endpoint}: the connection is closed`, { endpoint: options.endpoint, platform: 'openstack' }));
    if (settled !== undefined && clock.now() >= settled.renewAt) {
      logger.info('Keystone token due for renewal');
      current = undefined;
      settled = undefined;
    }
    current ??= authenticate(signal).catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    return current;
  };

  return {
    token,
    renew(stale, signal) {
      // Another caller may have renewed already (settled differs) or be renewing (settled undefined).
      if (settled?.id === stale.id) {
        current = undefined;
        settled = undefined;
        logger.info('Keystone token refused by Nova (401: revoked or expired early); authenticating again');
      }
      return token(signal);
    },
    currentTokenId: () => latest?.id,
    close() {
      closed = true;
      current = undefined;
      settled = undefined;
      latest = undefined;
    },
  };
}

/**
 * Reads a 201 answer: the token id from `X-Subject-Token`, its lifetime from
 * `expires_at − issued_at` (so a skew between Keystone's clock and ours does
 * not matter), counted from when the request was sent.
 */
function readToken(answer: PlatformResponse, sentAt: number, endpoint: string): KeystoneToken {
  const fail = (problem: string): BridgeError =>
    new BridgeError(ErrorCode.PlatformPayload, `openstack endpoint ${endpoint}: POST /auth/tokens answered HTTP ${answer.status} ${problem}`, { endpoint, platform: 'openstack', status: answer.status });
  const header = answer.headers['x-subject-token'];
  const id = Array.isArray(header) ? header[0] : header;
  if (typeof id !== 'string' || id === '') throw fail('without an X-Subject-Token header');
  const body = isJsonObject(answer.body) ? answer.body['token'] : undefined;
  if (!isJsonObject(body)) throw fail('without a "token" object');
  const expiresAt = typeof body['expires_at'] === 'string' ? Date.parse(body['expires_at']) : Number.NaN;
  const issuedAt = typeof body['issued_at'] === 'string' ? Date.parse(body['issued_at']) : Number.NaN;
  if (Number.isNaN(expiresAt)) throw fail('without a readable token.expires_at');
  const lifetimeMs = Number.isNaN(issuedAt) ? expiresAt - sentAt : expiresAt - issuedAt;
  if (lifetimeMs <= 0) throw fail('with a token that expires before it was issued');
  const localExpiry = sentAt + lifetimeMs;
  return { id, expiresAt: localExpiry, renewAt: localExpiry - renewalMarginMs(lifetimeMs), catalog: readCatalog(body['catalog']) };
}
