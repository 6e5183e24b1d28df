import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import type { AdapterContext, ConnectTargetCheck } from '../adapter/index.js';
import type { Clock } from '../clock/index.js';
import type { RequestGate } from '../ratelimit/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../errors/index.js';
import { parseJson, parseJsonQuietly, readBody } from './body.js';
import { armDeadline } from './deadline.js';
import { createConnectGuard, guardedConnector } from './connect-guard.js';
import { abortedError, errorCodeOf, payloadError, refusedTargetError, retryAfterStatuses, statusError, timeoutCodes, timeoutError, unreachableError, type ErrorBodyDetail, type RequestTarget } from './errors.js';
import { parseRetryAfter } from './retry-after.js';
import { untilAborted } from './until-aborted.js';
import { tlsConnectOptions, type TlsSettings } from './tls.js';

/** How one endpoint's HTTP client is built. Everything it needs is passed in. */
export interface PlatformHttpOptions {
  /** The endpoint name; every error and log line carries it. */
  readonly endpoint: string;
  /** The platform (`vsphere`), for error context. */
  readonly platform: string;
  /** The endpoint URL. Its path, if any, prefixes every request path; user info in it is never sent. */
  readonly baseUrl: string;
  readonly tls: TlsSettings;
  readonly logger: Logger;
  /** Times every request (and measures Retry-After dates). */
  readonly clock: Clock;
  /** Told about every request that was sent, with its status or `'error'`. */
  readonly onRequest?: AdapterContext['onRequest'];
  /** Per-request limit from sending to the last body byte. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Sockets kept to the endpoint. Default 8. */
  readonly connections?: number;
  /** A larger body fails with PLATFORM_PAYLOAD. Default 64 MiB. */
  readonly maxResponseBytes?: number;
  /** Picks the platform's message and error code out of a parsed error body, for error messages. */
  readonly describeErrorBody?: (body: unknown) => ErrorBodyDetail | undefined;
  /**
   * Like `describeErrorBody`, for platforms whose error bodies are not JSON
   * (a SOAP Fault): given the error body's bytes (at most 64 KiB) and declared
   * content type. When set, `describeErrorBody` is not used. It must not throw.
   */
  readonly describeErrorBytes?: (bytes: Buffer, contentType: string | undefined) => ErrorBodyDetail | undefined;
  /** Reads `tls.caFile`. Default `fs.readFileSync`. */
  readonly readFile?: (path: string) => Buffer;
  /**
   * The target policy of an API-registered endpoint (`AdapterContext.targetCheck`):
   * each socket resolves its host once through it and connects only to an
   * address it allowed. Absent: the system resolver, unchecked.
   */
  readonly targetCheck?: ConnectTargetCheck;
  /**
   * The account's request budget (`AdapterContext.rateLimit`): every request
   * takes a token first, before its timeout starts; waiting ends with
   * POLL_ABORTED when the request's signal aborts. Absent: not limited.
   */
  readonly rateLimit?: RequestGate;
}

/** One request. `path` has no query string: give `query`, which never reaches errors or logs. */
export interface PlatformRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Repeated keys are written as arrays (`vms=a&vms=b`). */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** Extra headers; they are never logged nor put in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as a JSON body. */
  readonly json?: unknown;
  /** Sent as it is, with its content type (a SOAP envelope); never with `json`. Never logged nor put in errors. */
  readonly body?: RawRequestBody;
  /**
   * `json` (default): the 2xx body is parsed as JSON into `body`. `bytes`: it
   * is handed back unparsed in `bytes` (the caller decodes it), `body` stays undefined.
   */
  readonly answer?: 'json' | 'bytes';
  /**
   * For a JSON answer whose bulk is a list of objects under its first key
   * (`servers`): that list is parsed in pieces, so that a large page's
   * objects are allocated young (`json-in-pieces.ts`). The body is the same.
   */
  readonly listKey?: string;
  /** Names the call in errors when the path alone does not (every SOAP call is `POST /sdk`): `RetrievePropertiesEx`. */
  readonly operation?: string;
  /** The poll's signal: aborting it ends the request with POLL_ABORTED. */
  readonly signal: AbortSignal;
  /** Overrides the client's per-request timeout. */
  readonly timeoutMs?: number;
}

/** A raw request body: bytes (or text, sent as UTF-8) and their media type. */
export interface RawRequestBody {
  readonly contentType: string;
  readonly bytes: string | Buffer;
}

/** A 2xx answer with its JSON body decoded (`undefined` for an empty body), or its bytes when asked for (`answer: 'bytes'`). */
export interface PlatformResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** The body as received, only for `answer: 'bytes'`. */
  readonly bytes?: Buffer;
}

/** A keep-alive HTTP client for one platform endpoint. */
export interface PlatformHttpClient {
  /**
   * Sends one request and resolves with the 2xx answer. Every other outcome
   * throws a BridgeError naming the endpoint, method, path and status:
   * 401/403 → PLATFORM_AUTH; 429 → PLATFORM_THROTTLED; other statuses →
   * PLATFORM_HTTP (429 and 503 carry `retryAfterMs` from Retry-After; a 3xx
   * is one too: redirects are never followed, so a platform cannot send the
   * client to another host); a host the target check refuses →
   * PERMISSION_DENIED, nothing sent;
   * timeout → PLATFORM_TIMEOUT; refused/reset/dropped/TLS → PLATFORM_UNREACHABLE;
   * a cut-off, oversized or (unless `answer: 'bytes'`) non-JSON body →
   * PLATFORM_PAYLOAD; the caller's
   * signal → POLL_ABORTED.
   */
  request(request: PlatformRequest): Promise<PlatformResponse>;
  /** Closes the sockets; later requests fail. Idempotent. */
  close(): Promise<void>;
}

const defaults = { requestTimeoutMs: 30_000, connections: 8, maxResponseBytes: 64 * 1024 * 1024 } as const;
/** Enough of an error body to describe it; the rest is not worth holding. */
const errorBodyLimit = 64 * 1024;

/**
 * Creates the HTTP client of one endpoint. No socket is opened and no file is
 * read until the first request, so an adapter's `connect` stays free of I/O.
 */
export function createPlatformHttpClient(options: PlatformHttpOptions): PlatformHttpClient {
  const base = new URL(options.baseUrl);
  const client: ClientState = {
    options,
    origin: base.origin,
    basePath: base.pathname.replace(/\/+$/, ''),
    requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? defaults.maxResponseBytes,
    readFile: options.readFile ?? ((path: string) => readFileSync(path)),
    pool: undefined,
    closed: false,
  };
  return {
    request: (request) => send(client, request),
    async close() {
      client.closed = true;
      const open = client.pool;
      client.pool = undefined;
      await open?.destroy();
    },
  };
}

/** One endpoint's client: its settings and its pool, made on the first request. */
interface ClientState {
  readonly options: PlatformHttpOptions;
  readonly origin: string;
  /** The endpoint URL's path, prefixed to every request path. */
  readonly basePath: string;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly readFile: (path: string) => Buffer;
  pool: Pool | undefined;
  closed: boolean;
}

/** What one request reached: the status, once headers arrived, and what the request hook is told. */
interface Progress {
  status: number | undefined;
  outcome: number | 'error';
}

/** See {@link PlatformHttpClient.request}. */
async function send(client: ClientState, request: PlatformRequest): Promise<PlatformResponse> {
  const { options } = client;
  const target: RequestTarget = { endpoint: options.endpoint, platform: options.platform, method: request.method, path: client.basePath + request.path, ...(request.operation ? { operation: request.operation } : {}) };
  if (request.signal.aborted) throw abortedError(target, request.signal.reason);
  // Before the timer: a closed client or an unreadable CA file sends nothing, so nothing is reported.
  const endpointPool = dispatcher(client, target);
  if (options.rateLimit) {
    try {
      await options.rateLimit.take(request.signal);
    } catch (error) {
      throw abortedError(target, request.signal.aborted ? request.signal.reason : error);
    }
    // The signal may have fired as the gate handed over its token; the deadline below hears only later aborts.
    if (request.signal.aborted) throw abortedError(target, request.signal.reason);
  }
  const timeoutMs = request.timeoutMs ?? client.requestTimeoutMs;
  // From sending to the last body byte.
  const deadline = armDeadline(options.clock, timeoutMs, request.signal);
  const progress: Progress = { status: undefined, outcome: 'error' };
  try {
    const response = await untilAborted(
      endpointPool.request({
        method: request.method,
        path: target.path + queryString(request.query),
        headers: { accept: 'application/json', ...contentTypeHeader(request), ...request.headers },
        ...requestBody(request),
        signal: deadline.signal,
      }),
      deadline.signal,
    );
    return await readAnswer(client, target, request, response, progress);
  } catch (error) {
    throw failureOf(target, request, error, { timedOut: deadline.timedOut(), timeoutMs, status: progress.status });
  } finally {
    deadline.end();
    report(options, progress.outcome);
  }
}

/** The endpoint's pool, made on first use with its TLS settings and, when given, the connect-time target check. */
function dispatcher(client: ClientState, target: RequestTarget): Pool {
  const { options } = client;
  if (client.closed) throw new BridgeError(ErrorCode.PollAborted, `${options.platform} endpoint ${options.endpoint}: the connection is closed`, { endpoint: options.endpoint });
  if (client.pool) return client.pool;
  let connect: ReturnType<typeof tlsConnectOptions>;
  try {
    connect = tlsConnectOptions(options.tls, client.readFile);
  } catch (error) {
    throw unreachableError(target, new Error(`cannot read tls.caFile ${options.tls.caFile ?? ''}: ${errorCodeOf(error) ?? String(error)}`));
  }
  if (options.tls.insecureSkipVerify) {
    options.logger.warn({ endpoint: options.endpoint }, 'tls.insecureSkipVerify is on: the platform certificate is not verified (labs only)');
  }
  const guarded = options.targetCheck ? guardedConnector(connect, createConnectGuard(options.targetCheck, { endpoint: options.endpoint, platform: options.platform })) : connect;
  // Keep sockets across polls (≥ 10 s apart) unless the server says otherwise.
  // No redirect interceptor: undici's Pool hands a 3xx back, and a 3xx is an error below.
  client.pool = new Pool(client.origin, { connections: options.connections ?? defaults.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, connect: guarded });
  return client.pool;
}

/** A response's answer: a status error for anything but 2xx, else its body, whole and (unless bytes were asked for) parsed as JSON. */
async function readAnswer(client: ClientState, target: RequestTarget, request: PlatformRequest, response: Dispatcher.ResponseData, progress: Progress): Promise<PlatformResponse> {
  const { options, maxResponseBytes } = client;
  const status = response.statusCode;
  progress.status = status;
  if (status < 200 || status >= 300) {
    progress.outcome = status;
    const detail = await readErrorDetail(response.body, response.headers['content-type'], options);
    const retryAfterMs = retryAfterStatuses.has(status) ? parseRetryAfter(response.headers['retry-after'], options.clock.now()) : undefined;
    throw statusError(target, status, retryAfterMs, detail, response.headers['location']);
  }
  const read = await readBody(response.body, maxResponseBytes);
  if (!read.ok) throw payloadError(target, status, `a body larger than ${maxResponseBytes} bytes`);
  if (request.answer === 'bytes') {
    progress.outcome = status;
    return { status, headers: response.headers, body: undefined, bytes: read.bytes };
  }
  let body: unknown;
  try {
    body = parseJson(read.bytes, request.listKey);
  } catch (error) {
    // Not the parser's message: it quotes the body, which may hold a token.
    const endsEarly = /end of JSON|Unterminated/i.test((error as Error).message);
    throw payloadError(target, status, `a body that is not valid JSON (${read.bytes.length} bytes${endsEarly ? ', ending mid-document' : ''})`);
  }
  progress.outcome = status;
  return { status, headers: response.headers, body };
}

/** The BridgeError a failed request throws (see {@link PlatformHttpClient.request}). */
function failureOf(target: RequestTarget, request: PlatformRequest, error: unknown, facts: { readonly timedOut: boolean; readonly timeoutMs: number; readonly status: number | undefined }): BridgeError {
  if (isBridgeError(error, ErrorCode.PermissionDenied) && error.context['targetProblem'] === 'refused') return refusedTargetError(target, error);
  if (error instanceof BridgeError) return error;
  if (request.signal.aborted) return abortedError(target, request.signal.reason);
  if (facts.timedOut || timeoutCodes.has(errorCodeOf(error) ?? '')) return timeoutError(target, facts.timeoutMs, error);
  // Headers arrived, then the connection broke: the body is cut off.
  if (facts.status !== undefined) return payloadError(target, facts.status, `a body cut off before its end (${errorCodeOf(error) ?? 'connection closed'})`, error);
  return unreachableError(target, error);
}

/** Tells the request hook; a failing hook is logged, never the request's failure. */
function report(options: PlatformHttpOptions, status: number | 'error'): void {
  try {
    options.onRequest?.({ status, throttled: status === 429 });
  } catch (error) {
    options.logger.warn({ err: error }, 'the request hook failed');
  }
}

function queryString(query: PlatformRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of typeof value === 'string' ? [value] : value) params.append(key, item);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function contentTypeHeader(request: PlatformRequest): Record<string, string> {
  if (request.body !== undefined) return { 'content-type': request.body.contentType };
  return request.json === undefined ? {} : { 'content-type': 'application/json' };
}

function requestBody(request: PlatformRequest): { body?: string | Buffer } {
  if (request.body !== undefined) return { body: request.body.bytes };
  return request.json === undefined ? {} : { body: JSON.stringify(request.json) };
}

/** The platform's words from an error body; a body that cannot be read just says nothing. */
async function readErrorDetail(body: Parameters<typeof readBody>[0], contentType: string | string[] | undefined, options: Pick<PlatformHttpOptions, 'describeErrorBody' | 'describeErrorBytes'>): Promise<ErrorBodyDetail | undefined> {
  try {
    const read = await readBody(body, errorBodyLimit);
    if (!read.ok) return undefined;
    if (options.describeErrorBytes) return options.describeErrorBytes(read.bytes, Array.isArray(contentType) ? contentType[0] : contentType);
    return options.describeErrorBody ? options.describeErrorBody(parseJsonQuietly(read.bytes)) : undefined;
  } catch {
    return undefined;
  }
}
