import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { scrubSecretText } from '../../src/secrets/index.js';

/** The fields of an AWS SDK error the mapping reads; every one may be missing. */
interface SdkErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly attempts?: number; readonly totalRetryDelay?: number };
}

/** EC2 (and STS) error codes that mean "these credentials may not do this". */
const authCodes: ReadonlySet<string> = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'RequestExpired',
  'ExpiredToken',
  'AccessDenied',
  'OptInRequired',
  'Blocked',
  'CredentialsProviderError',
]);

/** Throttling codes: EC2 sends RequestLimitExceeded (HTTP 503); the rest come from EC2-compatible clouds and STS. */
const throttleCodes: ReadonlySet<string> = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException']);

/** Node socket codes that mean the platform could not be reached at all. */
const unreachableCodes = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|HOSTNAME_MISMATCH)/;
const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_|HOSTNAME_MISMATCH)/;

/** What a mapped error may name. */
export interface ErrorScope {
  readonly endpoint: string;
  readonly region: string;
  /** Values that must never appear in a message (the endpoint's keys), replaced before anything is kept. */
  readonly secrets: readonly string[];
}

/**
 * Replaces every secret value in `text` (the SDK's words are not ours to
 * trust), then whatever still looks like one (another key id, a signature,
 * a security token in a canonical request).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return scrubSecretText(result);
}

/** How deep a cause chain is copied; the SDK nests a socket error at most once or twice. */
const maxCauseDepth = 4;

/**
 * A copy of a thrown SDK (or socket) error that is safe to chain and log:
 * its name, `code`, `$fault` and `$metadata` (status, request id, attempts),
 * its message redacted, its stack frames, and its own cause copied the same
 * way. Everything else the SDK copies onto its errors from the answer
 * (`Error`, `Code`, any element an EC2-compatible cloud adds, such as
 * `AWSAccessKeyId` or `SignatureProvided`) is left behind.
 */
export function sanitizedPlatformError(error: unknown, secrets: readonly string[], depth = 0): Error {
  const fields = (error ?? {}) as SdkErrorFields & { readonly $fault?: unknown; readonly stack?: unknown; readonly cause?: unknown };
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const message = redact(typeof fields.message === 'string' ? fields.message : String(error), secrets);
  const cause = depth < maxCauseDepth && fields.cause !== undefined && fields.cause !== null ? sanitizedPlatformError(fields.cause, secrets, depth + 1) : undefined;
  const copy = new Error(message, cause ? { cause } : undefined);
  copy.name = name;
  // The stack's first lines repeat the raw message; only the frames are kept.
  const frames = typeof fields.stack === 'string' ? fields.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  copy.stack = [`${name}: ${message}`, ...frames].join('\n');
  const metadata = fields.$metadata;
  return Object.assign(copy, {
    ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
    ...(typeof fields.$fault === 'string' ? { $fault: fields.$fault } : {}),
    ...(metadata ? { $metadata: Object.fromEntries(Object.entries({ httpStatusCode: metadata.httpStatusCode, requestId: metadata.requestId, attempts: metadata.attempts, totalRetryDelay: metadata.totalRetryDelay }).filter(([, kept]) => kept !== undefined)) } : {}),
  });
}

/**
 * Turns anything the SDK threw for a DescribeInstances call into a typed
 * BridgeError naming the endpoint: PLATFORM_AUTH (401/403, AuthFailure,
 * UnauthorizedOperation, no credentials), PLATFORM_THROTTLED
 * (RequestLimitExceeded, 429), PLATFORM_TIMEOUT, PLATFORM_UNREACHABLE,
 * PLATFORM_PAYLOAD (a 2xx we could not read) or PLATFORM_HTTP. The message
 * keeps the platform's code, words and request id, with the endpoint's own
 * key values and anything secret-shaped redacted. The cause is a sanitized
 * copy of the SDK's error ({@link sanitizedPlatformError}), never the SDK's
 * object: the logger prints causes, and the SDK's carries the raw words.
 */
export function toBridgeError(error: unknown, scope: ErrorScope, signal?: AbortSignal): BridgeError {
  if (error instanceof BridgeError) return error;
  const fields = (error ?? {}) as SdkErrorFields;
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const socketCode = typeof fields.code === 'string' ? fields.code : undefined;
  const status = fields.$metadata?.httpStatusCode;
  const requestId = fields.$metadata?.requestId;
  const attempts = fields.$metadata?.attempts;
  const said = redact(typeof fields.message === 'string' ? fields.message : String(error), scope.secrets);
  const where = `ec2 endpoint ${scope.endpoint} (${scope.region})`;
  const tail = requestId ? ` [request id ${requestId}]` : '';
  const context = {
    endpoint: scope.endpoint,
    platform: 'ec2',
    region: scope.region,
    ...(status !== undefined ? { status } : {}),
    platformCode: socketCode ?? name,
    ...(requestId ? { requestId } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
  };
  const cause = sanitizedPlatformError(error, scope.secrets);
  const make = (code: ErrorCode, message: string): BridgeError => new BridgeError(code, `${where}: ${message}${tail}`, context, { cause });

  if (signal?.aborted || name === 'AbortError') {
    const why = signal?.reason instanceof Error ? `: ${signal.reason.message}` : '';
    return make(ErrorCode.PollAborted, `DescribeInstances was aborted${why}`);
  }
  if (throttleCodes.has(name) || status === 429) {
    return make(ErrorCode.PlatformThrottled, `EC2 throttled DescribeInstances (${name}${status ? `, HTTP ${status}` : ''}) after ${attempts ?? 1} attempt(s): ${said}`);
  }
  if (name === 'CredentialsProviderError') {
    return make(ErrorCode.PlatformAuth, `no AWS credentials could be resolved (${said}); set credentials, profile or roleArn, or give the bridge a role`);
  }
  if (authCodes.has(name) || status === 401 || status === 403) {
    const hint = name === 'RequestExpired' ? 'check the bridge host clock' : 'check its credentials, profile or roleArn and the IAM policy (ec2:DescribeInstances)';
    return make(ErrorCode.PlatformAuth, `AWS refused the request (${name}${status ? `, HTTP ${status}` : ''}): ${said}; ${hint}`);
  }
  // Before the timeout check: the SDK's handler renames ECONNREFUSED and ECONNRESET errors "TimeoutError".
  if (socketCode !== undefined && unreachableCodes.test(socketCode)) {
    const hint = tlsCodes.test(socketCode) ? ' (TLS verification failed: trust the CA with tls.caFile, or set tls.insecureSkipVerify in a lab)' : '';
    return make(ErrorCode.PlatformUnreachable, `DescribeInstances failed: ${socketCode} ${said}${hint}`);
  }
  if (name === 'TimeoutError' || socketCode === 'ETIMEDOUT') {
    return make(ErrorCode.PlatformTimeout, `DescribeInstances got no answer in time after ${attempts ?? 1} attempt(s): ${said}`);
  }
  if (status !== undefined && status >= 200 && status < 300) {
    return make(ErrorCode.PlatformPayload, `DescribeInstances answered HTTP ${status} with a body the SDK could not read: ${said}`);
  }
  if (status === undefined) return make(ErrorCode.PlatformUnreachable, `DescribeInstances failed: ${name}: ${said}`);
  return make(ErrorCode.PlatformHttp, `DescribeInstances answered HTTP ${status} (${name}): ${said}`);
}
