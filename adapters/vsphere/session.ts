import type { Logger } from 'pino';
import { BridgeError, ErrorCode, isBridgeError } from '../../src/errors/index.js';
import type { PlatformHttpClient } from '../../src/platform-http/index.js';
import { apiFlavors, sessionHeader, type ApiFlavor, type RestFlavorSetting, type VcenterCall } from './api-flavors.js';
import { decodeToken, jsonBody, PayloadShapeError, payloadShapeFailure, unwrapValue } from './payloads.js';

/** What a session needs; the password never leaves the Authorization header of a login. */
export interface VsphereSessionOptions {
  readonly http: PlatformHttpClient;
  readonly endpoint: string;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly apiFlavor: RestFlavorSetting;
  readonly logger: Logger;
}

/** An authenticated answer: the call as sent in the session's flavor, and its value (unwrapped on `/rest`). */
export interface SessionAnswer {
  readonly call: VcenterCall;
  readonly value: unknown;
}

/**
 * The one vCenter session of an endpoint connection, reused across polls
 * (vCenter caps sessions per user, 550 on 7.0, so one per poll would exhaust it).
 */
export interface VsphereSession {
  /**
   * Sends a call in the session's flavor, logging in first when there is no
   * session. On 401 (the session idled out or vCenter restarted) it logs in
   * once more and retries the call once; a second 401 is thrown.
   */
  send(build: (flavor: ApiFlavor) => VcenterCall, signal: AbortSignal): Promise<SessionAnswer>;
  /** Logs out (DELETE session) if logged in; later calls fail. Never throws. */
  logout(): Promise<void>;
}

interface Session {
  readonly flavor: ApiFlavor;
  readonly token: string;
}

const logoutTimeoutMs = 5_000;

/** Creates the session of one endpoint connection; nothing is sent before the first `send`. */
export function createVsphereSession(options: VsphereSessionOptions): VsphereSession {
  const { http, logger } = options;
  const authorization = `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`;
  // Set by the first successful login; with `auto` the probe is not repeated.
  let flavor: ApiFlavor | undefined = options.apiFlavor === 'auto' ? undefined : apiFlavors[options.apiFlavor];
  // One login in flight at most: concurrent calls that all see a 401 share it.
  let current: Promise<Session> | undefined;
  let closed = false;

  const login = async (signal: AbortSignal): Promise<Session> => {
    if (flavor) return loginWith(options, authorization, flavor, signal);
    try {
      const session = await loginWith(options, authorization, apiFlavors.api, signal);
      flavor = session.flavor;
      logger.info({ apiFlavor: 'api' }, 'vCenter answers the /api flavor (7.0 U2+)');
      return session;
    } catch (error) {
      // vCenters before 7.0 U2 have no /api; they answer 404 there.
      if (!isBridgeError(error, ErrorCode.PlatformHttp) || error.context.status !== 404) throw error;
    }
    const session = await loginWith(options, authorization, apiFlavors.rest, signal);
    flavor = session.flavor;
    logger.info({ apiFlavor: 'rest' }, 'vCenter has no /api (404); using the /rest flavor (6.5–7.0)');
    return session;
  };

  const session = (signal: AbortSignal): Promise<Session> => {
    if (closed) return Promise.reject(new BridgeError(ErrorCode.PollAborted, `vsphere endpoint ${options.endpoint}: the connection is closed`, { endpoint: options.endpoint }));
    current ??= login(signal).catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    return current;
  };

  /** Drops `stale` (unless another call already replaced it) and logs in again. */
  const renew = async (stale: Session, signal: AbortSignal): Promise<Session> => {
    const latest = await current?.catch(() => undefined);
    if (latest?.token === stale.token) {
      current = undefined;
      logger.info('vCenter session no longer valid (401); logging in again');
    }
    return session(signal);
  };

  return {
    async send(build, signal) {
      const active = await session(signal);
      try {
        return await sendWith(options, active, build, signal);
      } catch (error) {
        if (!isBridgeError(error, ErrorCode.PlatformAuth) || error.context.status !== 401) throw error;
        return sendWith(options, await renew(active, signal), build, signal);
      }
    },
    async logout() {
      closed = true;
      const active = await current?.catch(() => undefined);
      current = undefined;
      if (!active) return;
      try {
        await http.request({ method: 'DELETE', path: active.flavor.sessionPath, headers: { [sessionHeader]: active.token }, signal: new AbortController().signal, timeoutMs: logoutTimeoutMs });
        logger.info('logged out of vCenter');
      } catch (error) {
        logger.warn({ err: error }, 'vCenter logout failed; the session ends when it idles out');
      }
    },
  };
}

/** POSTs a login in one flavor; a refused login names the credentials to check. */
async function loginWith(options: VsphereSessionOptions, authorization: string, candidate: ApiFlavor, signal: AbortSignal): Promise<Session> {
  try {
    const answer = await options.http.request({ method: 'POST', path: candidate.sessionPath, headers: { authorization }, signal });
    const body = jsonBody(answer);
    return { flavor: candidate, token: decodeToken(candidate.wrapsValues ? unwrapValue(body) : body) };
  } catch (error) {
    if (isBridgeError(error, ErrorCode.PlatformAuth)) {
      throw new BridgeError(ErrorCode.PlatformAuth, `${error.message}: vCenter refused the login; check credentials.username and credentials.password`, error.context, { cause: error });
    }
    throw error instanceof PayloadShapeError ? payloadShapeFailure(options.endpoint, { method: 'POST', path: candidate.sessionPath }, error) : error;
  }
}

/** Sends one call in a session and reads its JSON value (unwrapped on `/rest`). */
async function sendWith(options: VsphereSessionOptions, active: Session, build: (flavor: ApiFlavor) => VcenterCall, signal: AbortSignal): Promise<SessionAnswer> {
  const call = build(active.flavor);
  const answer = await options.http.request({ ...call, headers: { [sessionHeader]: active.token }, signal });
  try {
    const body = jsonBody(answer);
    return { call, value: active.flavor.wrapsValues && body !== undefined ? unwrapValue(body) : body };
  } catch (error) {
    throw error instanceof PayloadShapeError ? payloadShapeFailure(options.endpoint, call, error) : error;
  }
}
