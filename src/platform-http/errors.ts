import { BridgeError, ErrorCode } from '../errors/index.js';
import { boundText } from '../text/index.js';

/**
 * What errors may say about a request: the endpoint, the method and the path.
 * The query string is left out on purpose: it can carry signatures, tokens or
 * long id filters, and none of it helps an operator.
 */
export interface RequestTarget {
  readonly endpoint: string;
  readonly platform: string;
  readonly method: string;
  readonly path: string;
  /** The operation when the path does not name it (a SOAP call): `POST /sdk RetrievePropertiesEx`. */
  readonly operation?: string;
}

/** The platform's own words about a failure, taken from an error body by the adapter. */
export interface ErrorBodyDetail {
  readonly message?: string;
  readonly code?: string;
}

/** HTTP status → error code; anything not listed is PLATFORM_HTTP. */
const codeByStatus: Readonly<Record<number, ErrorCode>> = {
  401: ErrorCode.PlatformAuth,
  403: ErrorCode.PlatformAuth,
  429: ErrorCode.PlatformThrottled,
};

/** Statuses whose Retry-After the scheduler should honour (RFC 9110 names 429 and 503). */
export const retryAfterStatuses: ReadonlySet<number> = new Set([429, 503]);

const detailLimit = 300;

function where(target: RequestTarget): string {
  return `${target.platform} endpoint ${target.endpoint}: ${target.method} ${target.path}${target.operation ? ` ${target.operation}` : ''}`;
}

function context(target: RequestTarget): Record<string, unknown> {
  return { endpoint: target.endpoint, platform: target.platform, method: target.method, path: target.path, ...(target.operation ? { operation: target.operation } : {}) };
}

/**
 * The error of a non-2xx answer. A 3xx says where it pointed (the origin
 * only: a Location's path and query may carry tokens) and that it was not
 * followed.
 */
export function statusError(target: RequestTarget, status: number, retryAfterMs: number | undefined, detail: ErrorBodyDetail | undefined, location?: string | readonly string[]): BridgeError {
  const code = codeByStatus[status] ?? ErrorCode.PlatformHttp;
  const said = [detail?.code, detail?.message].filter((part) => part !== undefined && part !== '').join(': ');
  const platformWords = said === '' ? '' : ` (${said.length > detailLimit ? `${said.slice(0, detailLimit)}…` : said})`;
  const hint = retryAfterMs === undefined ? '' : `; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
  const redirect = status >= 300 && status < 400 ? `: a redirect${redirectOrigin(location)}, not followed (platform clients never follow redirects; point the endpoint at where the platform answers)` : '';
  return new BridgeError(code, `${where(target)} answered HTTP ${status}${redirect}${platformWords}${hint}`, {
    ...context(target),
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(detail?.code ? { platformCode: detail.code } : {}),
  });
}

/** ` to <origin>` of an absolute Location, bounded; nothing for a relative, unreadable or missing one. */
function redirectOrigin(location: string | readonly string[] | undefined): string {
  const text = typeof location === 'string' ? location : location?.[0];
  if (text === undefined || !URL.canParse(text)) return '';
  const { origin } = new URL(text);
  return origin === 'null' ? '' : ` to ${boundText(origin, 200)}`;
}

/**
 * The target policy refused the address a connection would have reached
 * (`refusal` is the connect guard's error): nothing was sent. PERMISSION_DENIED,
 * as the check before each poll reports the same refusal.
 */
export function refusedTargetError(target: RequestTarget, refusal: BridgeError): BridgeError {
  const reason = typeof refusal.context['reason'] === 'string' ? refusal.context['reason'] : refusal.message;
  return new BridgeError(ErrorCode.PermissionDenied, `${where(target)} not sent: ${reason}; the target policy refuses it`, { ...context(target), host: refusal.context['host'], address: refusal.context['address'], targetProblem: 'refused' }, { cause: refusal });
}

/** The request outlived its timeout (ours, or undici's connect/headers/body timers). */
export function timeoutError(target: RequestTarget, timeoutMs: number, cause: unknown): BridgeError {
  return new BridgeError(ErrorCode.PlatformTimeout, `${where(target)} got no complete answer within ${timeoutMs / 1000} s`, { ...context(target), timeoutMs }, { cause });
}

/** The caller's signal fired (shutdown, endpoint removed, poll timeout). */
export function abortedError(target: RequestTarget, reason: unknown): BridgeError {
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new BridgeError(ErrorCode.PollAborted, `${where(target)} was aborted${why}`, context(target), { cause: reason });
}

const tlsCodePattern = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|HOSTNAME_MISMATCH)/;

/** The connection failed before an answer arrived: refused, reset, dropped, DNS or TLS. */
export function unreachableError(target: RequestTarget, cause: unknown): BridgeError {
  const code = errorCodeOf(cause);
  const tls = code !== undefined && tlsCodePattern.test(code);
  const hint = tls ? ' (TLS verification failed: trust the platform CA with tls.caFile, or set tls.insecureSkipVerify in a lab)' : '';
  return new BridgeError(ErrorCode.PlatformUnreachable, `${where(target)} failed: ${describeCause(cause)}${hint}`, { ...context(target), ...(code ? { errorCode: code } : {}) }, { cause });
}

/** The answer's body is not what a 2xx promised: cut off, too large or not JSON. */
export function payloadError(target: RequestTarget, status: number, problem: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCode.PlatformPayload, `${where(target)} answered HTTP ${status} with ${problem}`, { ...context(target), status }, cause === undefined ? undefined : { cause });
}

/**
 * The most telling `code` on an error or its causes: undici wraps socket
 * failures in UND_ERR_SOCKET and keeps Node's own code (ECONNRESET) on the cause.
 */
export function errorCodeOf(error: unknown): string | undefined {
  const codes: string[] = [];
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes.find((code) => code !== 'UND_ERR_SOCKET') ?? codes[0];
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = errorCodeOf(cause);
  const inner = cause.cause instanceof Error && cause.cause.message !== cause.message ? ` (${cause.cause.message})` : '';
  return `${code && !cause.message.includes(code) ? `${code} ` : ''}${cause.message}${inner}`;
}

/** Codes of undici and Node that mean "too slow", not "unreachable". */
export const timeoutCodes: ReadonlySet<string> = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
