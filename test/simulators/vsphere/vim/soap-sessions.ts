import { createHash, randomUUID } from 'node:crypto';
import type { SimRequest } from '../../common/index.js';
import type { SessionRecord, SessionStore } from '../sessions.js';
import type { ContainerViewRecord } from './views.js';
import type { PendingRetrieval } from './property-collector.js';
import { createUpdateTracking, type UpdateTracking } from './update-collector.js';

/** The cookie carrying a Web Services API session (vCenter's, and govmomi's `soap.SessionCookieName`). */
export const SOAP_SESSION_COOKIE = 'vmware_soap_session';

/**
 * What one SOAP session owns besides its login: its views and its unfinished retrievals.
 * Both die with the session: views are session objects (ViewManager: "the view ... exists
 * for the duration of the session", reference), and a RetrievePropertiesEx token may be
 * continued "only in the same session in which it was returned" (reference, RetrieveResult.token).
 */
export interface SoapSessionState {
  readonly record: SessionRecord;
  /** `UserSession.key`: vCenter's session id, not the cookie. */
  readonly key: string;
  readonly userAgent: string;
  readonly ipAddress: string;
  readonly views: Map<string, ContainerViewRecord>;
  readonly retrievals: Map<string, PendingRetrieval>;
  /** The session's property filters and collector versions (they die with it too: see update-collector.ts). */
  readonly updates: UpdateTracking;
  callCount: number;
}

/** The SOAP sessions of one simulated vCenter, on top of the session store the REST flavors share. */
export interface SoapSessionRegistry {
  /** Records a session opened by `SessionManager.Login`. */
  open(record: SessionRecord, request: SimRequest): SoapSessionState;
  /**
   * The live SOAP session a request presents in its cookie, its idle timer refreshed; undefined
   * when there is no cookie, it is not a SOAP session, or it ended (logout, idle expiry,
   * `POST /_sim/sessions/expire-all`): the state of an ended session is dropped here.
   */
  current(request: SimRequest): SoapSessionState | undefined;
  /** Ends a session (`SessionManager.Logout`). */
  close(state: SoapSessionState): void;
  /** Live SOAP sessions (ended ones not yet noticed included). */
  count(): number;
  clear(): void;
}

function headerValue(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join('; ') : value;
}

/** The session cookie's value; vCenter sends it quoted (`vmware_soap_session="…"`) and clients send it back either way. */
export function soapSessionCookie(request: SimRequest): string | undefined {
  for (const part of (headerValue(request, 'cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === SOAP_SESSION_COOKIE) {
      return part.slice(separator + 1).trim().replace(/^"(.*)"$/, '$1');
    }
  }
  return undefined;
}

/** A UUID-shaped session key derived from the cookie, so the key never reveals the cookie. */
function sessionKeyOf(token: string): string {
  const hex = createHash('sha256').update(`key:${token}`).digest('hex');
  return `52${hex.slice(2, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Creates an empty registry over the shared session store. */
export function createSoapSessionRegistry(sessions: SessionStore): SoapSessionRegistry {
  const states = new Map<string, SoapSessionState>();
  return {
    open(record, request) {
      const state: SoapSessionState = {
        record,
        key: sessionKeyOf(record.token),
        userAgent: headerValue(request, 'user-agent') ?? '',
        ipAddress: '127.0.0.1',
        views: new Map(),
        retrievals: new Map(),
        updates: createUpdateTracking(),
        callCount: 0,
      };
      states.set(record.token, state);
      return state;
    },
    current(request) {
      const token = soapSessionCookie(request);
      const state = token === undefined ? undefined : states.get(token);
      if (token === undefined || state === undefined) {
        return undefined;
      }
      if (sessions.use(token) === undefined) {
        states.delete(token);
        return undefined;
      }
      state.callCount += 1;
      return state;
    },
    close(state) {
      sessions.logout(state.record.token);
      states.delete(state.record.token);
    },
    count: () => states.size,
    clear: () => states.clear(),
  };
}

/** A new id for a session-scoped object, shaped like vCenter's (`session[<key>]<uuid>`). */
export function sessionObjectId(state: SoapSessionState): string {
  return `session[${state.key}]${randomUUID()}`;
}
