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
  const state: SessionState = { options, refs: undefined, current: undefined, generation: 0, closed: false };
  return {
    call: (build, signal, callOptions = {}) => callInSession(state, build, signal, callOptions),
    generation: () => state.generation,
    sendIfLoggedIn: (build, signal, timeoutMs) => sendIfLoggedIn(state, build, signal, timeoutMs),
    logout: () => logoutSession(state),
  };
}

/** A session's mutable part: the service's references, the current login (shared by concurrent calls) and its number. */
interface SessionState {
  readonly options: VimSessionOptions;
  refs: Promise<ServiceRefs> | undefined;
  current: Promise<Session> | undefined;
  generation: number;
  closed: boolean;
}

function where(endpoint: string, operation: string): Record<string, unknown> {
  return { endpoint, platform: 'vsphere', method: 'POST', path: sdkPath, operation };
}

function payloadFailure(endpoint: string, operation: string, problem: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `vsphere endpoint ${endpoint}: POST ${sdkPath} ${operation} answered an unexpected payload: ${problem}`, where(endpoint, operation), cause === undefined ? undefined : { cause });
}

/** A fault in a 2xx answer (not what SOAP 1.1 says, but a proxy or an old build may): the same error a 500 would give. */
function faultFailure(endpoint: string, operation: string, status: number, fault: VimFault): BridgeError {
  const code = authFaults.has(fault.type) ? ErrorCode.PlatformAuth : ErrorCode.PlatformHttp;
  return new BridgeError(code, `vsphere endpoint ${endpoint}: POST ${sdkPath} ${operation} answered a SOAP Fault (${fault.type}${fault.message ? `: ${fault.message}` : ''})`, { ...where(endpoint, operation), status, platformCode: fault.type });
}

/** A vim fault that means "not allowed" is PLATFORM_AUTH, as the REST path's 401/403 are; the rest stay as the HTTP client made them. */
function classified(operation: string, error: unknown): unknown {
  const fault = faultTypeOf(error);
  if (!isBridgeError(error, ErrorCode.PlatformHttp) || fault === undefined || !authFaults.has(fault)) return error;
  const hint = operation === 'Login' ? '; vCenter refused the login: check credentials.username and credentials.password' : '';
  return new BridgeError(ErrorCode.PlatformAuth, `${error.message}${hint}`, error.context, { cause: error });
}

/** Sends one envelope and reads the answer's body element, which must be `<operation>Response`. */
async function exchange(options: VimSessionOptions, request: VimRequest, cookie: string | undefined, signal: AbortSignal, timeoutMs?: number): Promise<{ answer: PlatformResponse; content: XmlNode }> {
  const { http, endpoint } = options;
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
    throw payloadFailure(endpoint, request.operation, `the answer's content type is ${contentType === '' ? 'missing' : `"${contentType}"`}, not text/xml`);
  }
  let parsed: ReturnType<typeof parseSoapEnvelope>;
  try {
    parsed = parseSoapEnvelope(answer.bytes ?? Buffer.alloc(0));
  } catch (error) {
    throw error instanceof VimShapeError ? payloadFailure(endpoint, request.operation, error.message, error) : error;
  }
  if (parsed.kind === 'fault') throw faultFailure(endpoint, request.operation, answer.status, parsed.fault);
  if (parsed.element !== `${request.operation}Response`) throw payloadFailure(endpoint, request.operation, `the SOAP Body holds ${parsed.element}, not ${request.operation}Response`);
  return { answer, content: parsed.content };
}

/** RetrieveServiceContent, once per connection (a failure is forgotten, so the next call asks again). */
function serviceRefs(state: SessionState, signal: AbortSignal): Promise<ServiceRefs> {
  const { options } = state;
  return (state.refs ??= (async () => {
    const request = retrieveServiceContent();
    const { content } = await exchange(options, request, undefined, signal);
    let service: ServiceRefs;
    try {
      service = decodeServiceContent(content);
    } catch (error) {
      throw error instanceof VimShapeError ? payloadFailure(options.endpoint, request.operation, error.message, error) : error;
    }
    options.logger.info({ apiVersion: service.apiVersion }, 'vCenter Web Services API (vim25 over SOAP)');
    return service;
  })().catch((error: unknown) => {
    state.refs = undefined;
    throw error;
  }));
}

function scopeOf(options: VimSessionOptions, service: ServiceRefs, cookie: string, number: number): VimSessionScope {
  return {
    refs: service,
    generation: number,
    send: async (request, signal) => (await exchange(options, request, cookie, signal)).content,
  };
}

async function loginNow(state: SessionState, signal: AbortSignal): Promise<Session> {
  const { options } = state;
  const { username, password } = options.credentials;
  const service = await serviceRefs(state, signal);
  const request = login(service.sessionManager, username, password);
  try {
    const { answer } = await exchange(options, request, undefined, signal);
    const cookie = sessionCookieOf(answer.headers['set-cookie']);
    if (cookie === undefined) throw payloadFailure(options.endpoint, request.operation, `no ${sessionCookieName} cookie was set`);
    state.generation += 1;
    options.logger.info({ generation: state.generation }, 'logged in to vCenter (vim25)');
    return { cookie, scope: scopeOf(options, service, cookie, state.generation) };
  } catch (error) {
    throw withoutPassword(error, password);
  }
}

/** The current session, logging in when there is none; one login is shared by every call waiting for it. */
function currentSession(state: SessionState, signal: AbortSignal): Promise<Session> {
  if (state.closed) return Promise.reject(new BridgeError(ErrorCode.PollAborted, `vsphere endpoint ${state.options.endpoint}: the connection is closed`, { endpoint: state.options.endpoint }));
  state.current ??= loginNow(state, signal).catch((error: unknown) => {
    state.current = undefined;
    throw error;
  });
  return state.current;
}

/** Drops `stale` unless another call already replaced it. */
async function drop(state: SessionState, stale: Session): Promise<void> {
  const latest = await state.current?.catch(() => undefined);
  if (latest === stale) {
    state.current = undefined;
    state.options.logger.info('vCenter session no longer valid (NotAuthenticated); logging in again');
  }
}

/** {@link VimSession.call}. */
async function callInSession(state: SessionState, build: Parameters<VimSession['call']>[0], signal: AbortSignal, callOptions: { readonly retry?: boolean }): Promise<{ readonly content: XmlNode; readonly scope: VimSessionScope }> {
  const attempt = async (active: Session) => {
    const request = await build(active.scope);
    return { content: await active.scope.send(request, signal), scope: active.scope };
  };
  const active = await currentSession(state, signal);
  try {
    return await attempt(active);
  } catch (error) {
    if (!isNotAuthenticated(error)) throw error;
    await drop(state, active);
    if (callOptions.retry === false) throw error;
    return attempt(await currentSession(state, signal));
  }
}

/** {@link VimSession.sendIfLoggedIn}. */
async function sendIfLoggedIn(state: SessionState, build: (scope: VimSessionScope) => VimRequest, signal: AbortSignal, timeoutMs: number): Promise<void> {
  const active = await state.current?.catch(() => undefined);
  if (!active || state.closed) return;
  await exchange(state.options, build(active.scope), active.cookie, signal, timeoutMs);
}

/** {@link VimSession.logout}. */
async function logoutSession(state: SessionState): Promise<void> {
  state.closed = true;
  const active = await state.current?.catch(() => undefined);
  state.current = undefined;
  if (!active) return;
  try {
    await exchange(state.options, logout(active.scope.refs.sessionManager), active.cookie, new AbortController().signal, logoutTimeoutMs);
    state.options.logger.info('logged out of vCenter (vim25)');
  } catch (error) {
    state.options.logger.warn({ err: error }, 'vCenter logout failed; the session ends when it idles out');
  }
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
