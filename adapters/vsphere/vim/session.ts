import type { Logger } from 'pino';
import { BridgeError, ErrorCode, isBridgeError } from '../../../src/errors/index.js';
import type { ErrorBodyDetail, PlatformHttpClient, PlatformResponse } from '../../../src/platform-http/index.js';
import { decodeServiceContent, type ServiceRefs } from './decode.js';
import { login, logout, retrieveServiceContent, type VimRequest } from './envelopes.js';
import { parseSoapEnvelope, soapFaultOf, VimShapeError, type VimFault, type XmlNode } from './xml.js';

/** Where vCenter serves the Web Services API (SOAP). */
export const sdkPath = '/sdk';
/** The session cookie `SessionManager.Login` sets. */
export const sessionCookieName = 'vmware_soap_session';
/**
 * The SOAPAction of every request: the oldest release this path serves. vCenter
 * answers in the release the client names, and every property and method
 * used here exists unchanged from 6.5 to 8.x.
 */
export const soapAction = 'urn:vim25/6.5';

/** Faults that say the account may not do this: PLATFORM_AUTH, as a REST 401/403 is. */
const authFaults: ReadonlySet<string> = new Set(['NotAuthenticated', 'InvalidLogin', 'NoPermission', 'NotSupported_Login']);

/** What a session needs; the password leaves only in the Login envelope. */
export interface VimSessionOptions {
  readonly http: PlatformHttpClient;
  readonly endpoint: string;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly logger: Logger;
}

/** One logged-in session: the service's references and a number that changes with every login. */
export interface VimSessionScope {
  readonly refs: ServiceRefs;
  /** Objects a session creates (a container view) belong to this number; a new login invalidates them. */
  readonly generation: number;
  /** Sends within this session, without re-login: a NotAuthenticated fault is thrown to the caller's `call`, which logs in again. */
  send(request: VimRequest, signal: AbortSignal): Promise<XmlNode>;
}

/**
 * The one vim25 session of an endpoint connection (vCenter caps sessions per
 * user), reused across polls: RetrieveServiceContent once per connection,
 * Login once (cookie `vmware_soap_session`), Logout on close.
 */
export interface VimSession {
  /**
   * Builds a request in the current session (logging in first when there is
   * none) and sends it. A `NotAuthenticated` fault (the session idled out,
   * vCenter restarted) drops the session; with `retry` (default) one login,
   * shared by every call that saw the fault, follows and the request is built
   * again in the new session and sent once more. Without `retry` the fault is
   * thrown (a paging token does not survive its session).
   */
  call(build: (scope: VimSessionScope) => VimRequest | Promise<VimRequest>, signal: AbortSignal, options?: { readonly retry?: boolean }): Promise<{ readonly content: XmlNode; readonly scope: VimSessionScope }>;
  /** The generation of the current session; 0 before the first login. */
  generation(): number;
  /** Sends a request in the current session if there is one, without login or retry; used for best-effort calls (CancelRetrievePropertiesEx). */
  sendIfLoggedIn(build: (scope: VimSessionScope) => VimRequest, signal: AbortSignal, timeoutMs: number): Promise<void>;
  /** Logs out if logged in; later calls fail. Never throws. */
  logout(): Promise<void>;
}

interface Session {
  readonly cookie: string;
  readonly scope: VimSessionScope;
}

const logoutTimeoutMs = 5_000;

/** The fault of a failed call, when vCenter answered one. */
export function faultTypeOf(error: unknown): string | undefined {
  if (!isBridgeError(error)) return undefined;
  const code = error.context['platformCode'];
  return typeof code === 'string' ? code : undefined;
}

/** The session is gone (idled out, logged out, vCenter restarted). */
export function isNotAuthenticated(error: unknown): boolean {
  return faultTypeOf(error) === 'NotAuthenticated';
}

/** Describes a SOAP Fault error body for the HTTP client's error messages. */
export function describeSoapFault(bytes: Buffer): ErrorBodyDetail | undefined {
  const fault = soapFaultOf(bytes);
  return fault ? { code: fault.type, ...(fault.message ? { message: fault.message } : {}) } : undefined;
}

/** Creates the session of one endpoint connection; nothing is sent before the first call. */
export function createVimSession(options: VimSessionOptions): VimSession {
  const { http, endpoint, logger } = options;
  const { username, password } = options.credentials;
  let refs: Promise<ServiceRefs> | undefined;
  let current: Promise<Session> | undefined;
  let generation = 0;
  let closed = false;

  const where = (operation: string): Record<string, unknown> => ({ endpoint, platform: 'vsphere', method: 'POST', path: sdkPath, operation });

  const payloadFailure = (operation: string, problem: string, cause?: unknown): BridgeError =>
    new BridgeError(ErrorCode.PlatformPayload, `vsphere endpoint ${endpoint}: POST ${sdkPath} ${operation} answered an unexpected payload: ${problem}`, where(operation), cause === undefined ? undefined : { cause });

  /** A fault in a 2xx answer (not what SOAP 1.1 says, but a proxy or an old build may): the same error a 500 would give. */
  const faultFailure = (operation: string, status: number, fault: VimFault): BridgeError => {
    const code = authFaults.has(fault.type) ? ErrorCode.PlatformAuth : ErrorCode.PlatformHttp;
    return new BridgeError(code, `vsphere endpoint ${endpoint}: POST ${sdkPath} ${operation} answered a SOAP Fault (${fault.type}${fault.message ? `: ${fault.message}` : ''})`, { ...where(operation), status, platformCode: fault.type });
  };

  /** A vim fault that means "not allowed" is PLATFORM_AUTH, as the REST path's 401/403 are; the rest stay as the HTTP client made them. */
  const classified = (operation: string, error: unknown): unknown => {
    const fault = faultTypeOf(error);
    if (!isBridgeError(error, ErrorCode.PlatformHttp) || fault === undefined || !authFaults.has(fault)) return error;
    const hint = operation === 'Login' ? '; vCenter refused the login: check credentials.username and credentials.password' : '';
    return new BridgeError(ErrorCode.PlatformAuth, `${error.message}${hint}`, error.context, { cause: error });
  };

  /** Sends one envelope and reads the answer's body element, which must be `<operation>Response`. */
  const exchange = async (request: VimRequest, cookie: string | undefined, signal: AbortSignal, timeoutMs?: number): Promise<{ answer: PlatformResponse; content: XmlNode }> => {
    let answer: PlatformResponse;
    try {
      answer = await http.request({
        method: 'POST',
        path: sdkPath,
        operation: request.operation,
        body: { contentType: 'text/xml; charset=utf-8', bytes: request.envelope },
        answer: 'bytes',
        headers: { accept: 'text/xml', soapaction: soapAction, ...(cookie ? { cookie: `${sessionCookieName}=${cookie}` } : {}) },
        signal,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
    } catch (error) {
      throw classified(request.operation, error);
    }
    const contentType = headerValue(answer.headers['content-type'])?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!/^(text\/xml|application\/xml|application\/[\w.+-]*\+xml)$/.test(contentType)) {
      throw payloadFailure(request.operation, `the answer's content type is ${contentType === '' ? 'missing' : `"${contentType}"`}, not text/xml`);
    }
    let parsed: ReturnType<typeof parseSoapEnvelope>;
    try {
      parsed = parseSoapEnvelope(answer.bytes ?? Buffer.alloc(0));
    } catch (error) {
      throw error instanceof VimShapeError ? payloadFailure(request.operation, error.message, error) : error;
    }
    if (parsed.kind === 'fault') throw faultFailure(request.operation, answer.status, parsed.fault);
    if (parsed.element !== `${request.operation}Response`) throw payloadFailure(request.operation, `the SOAP Body holds ${parsed.element}, not ${request.operation}Response`);
    return { answer, content: parsed.content };
  };

  /** Decodes an answer; a shape error becomes PLATFORM_PAYLOAD naming the operation. */
  const decoded = <T>(operation: string, decode: () => T): T => {
    try {
      return decode();
    } catch (error) {
      throw error instanceof VimShapeError ? payloadFailure(operation, error.message, error) : error;
    }
  };

  const serviceRefs = (signal: AbortSignal): Promise<ServiceRefs> =>
    (refs ??= (async () => {
      const request = retrieveServiceContent();
      const { content } = await exchange(request, undefined, signal);
      const service = decoded(request.operation, () => decodeServiceContent(content));
      logger.info({ apiVersion: service.apiVersion }, 'vCenter Web Services API (vim25 over SOAP)');
      return service;
    })().catch((error: unknown) => {
      refs = undefined;
      throw error;
    }));

  const scopeOf = (service: ServiceRefs, cookie: string, number: number): VimSessionScope => ({
    refs: service,
    generation: number,
    send: async (request, signal) => (await exchange(request, cookie, signal)).content,
  });

  const loginNow = async (signal: AbortSignal): Promise<Session> => {
    const service = await serviceRefs(signal);
    const request = login(service.sessionManager, username, password);
    try {
      const { answer } = await exchange(request, undefined, signal);
      const cookie = sessionCookieOf(answer.headers['set-cookie']);
      if (cookie === undefined) throw payloadFailure(request.operation, `no ${sessionCookieName} cookie was set`);
      generation += 1;
      logger.info({ generation }, 'logged in to vCenter (vim25)');
      return { cookie, scope: scopeOf(service, cookie, generation) };
    } catch (error) {
      throw withoutPassword(error, password);
    }
  };

  const session = (signal: AbortSignal): Promise<Session> => {
    if (closed) return Promise.reject(new BridgeError(ErrorCode.PollAborted, `vsphere endpoint ${endpoint}: the connection is closed`, { endpoint }));
    current ??= loginNow(signal).catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    return current;
  };

  /** Drops `stale` unless another call already replaced it. */
  const drop = async (stale: Session): Promise<void> => {
    const latest = await current?.catch(() => undefined);
    if (latest === stale) {
      current = undefined;
      logger.info('vCenter session no longer valid (NotAuthenticated); logging in again');
    }
  };

  return {
    async call(build, signal, callOptions = {}) {
      const attempt = async (active: Session) => {
        const request = await build(active.scope);
        return { content: await active.scope.send(request, signal), scope: active.scope };
      };
      const active = await session(signal);
      try {
        return await attempt(active);
      } catch (error) {
        if (!isNotAuthenticated(error)) throw error;
        await drop(active);
        if (callOptions.retry === false) throw error;
        return attempt(await session(signal));
      }
    },
    generation: () => generation,
    async sendIfLoggedIn(build, signal, timeoutMs) {
      const active = await current?.catch(() => undefined);
      if (!active || closed) return;
      await exchange(build(active.scope), active.cookie, signal, timeoutMs);
    },
    async logout() {
      closed = true;
      const active = await current?.catch(() => undefined);
      current = undefined;
      if (!active) return;
      try {
        await exchange(logout(active.scope.refs.sessionManager), active.cookie, new AbortController().signal, logoutTimeoutMs);
        logger.info('logged out of vCenter (vim25)');
      } catch (error) {
        logger.warn({ err: error }, 'vCenter logout failed; the session ends when it idles out');
      }
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The value of `vmware_soap_session` among Set-Cookie headers, kept as sent (vCenter quotes it). */
export function sessionCookieOf(setCookie: string | string[] | undefined): string | undefined {
  for (const header of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
    const pair = header.split(';')[0] ?? '';
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === sessionCookieName) {
      const value = pair.slice(equals + 1).trim();
      if (value !== '' && value !== '""') return value;
    }
  }
  return undefined;
}

/**
 * The login's error without the password in it: vCenter's own fault text
 * never quotes it, but a proxy or a broken server could echo the request.
 */
function withoutPassword(error: unknown, password: string): unknown {
  if (!(error instanceof BridgeError) || password === '') return error;
  const forms = [password, password.replace(/[&<>"']/g, (character) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[character] ?? ''};`)];
  if (!forms.some((form) => error.message.includes(form) || JSON.stringify(error.context).includes(form))) return error;
  const scrub = (text: string): string => forms.reduce((result, form) => result.split(form).join('***'), text);
  const context = JSON.parse(scrub(JSON.stringify(error.context))) as Record<string, unknown>;
  // The cause may quote it too: it is left off.
  return new BridgeError(error.code, scrub(error.message), context);
}
