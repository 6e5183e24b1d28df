import { boundText } from '../text/index.js';

/**
 * The single error root of the bridge. Every error the bridge raises on purpose
 * is a {@link BridgeError} with a stable `code`, a typed `context` and, where it
 * wraps a lower-level failure, a chained `cause`.
 *
 * Messages and context never carry secrets: callers put endpoint names, URLs
 * without credentials, HTTP statuses and key paths in them, nothing else.
 */

/** Stable error codes. Renaming one is a breaking change for log and alert queries. */
export const ErrorCode = {
  /** Configuration (YAML, environment or REST body) failed validation. */
  ConfigInvalid: 'CONFIG_INVALID',
  /** A `${env:NAME}` or `${file:PATH}` reference could not be resolved. */
  ConfigReference: 'CONFIG_REFERENCE',
  /** An endpoint names a platform that no adapter serves. */
  PlatformUnknown: 'PLATFORM_UNKNOWN',
  /** The platform refused the credentials (HTTP 401/403, AuthFailure). */
  PlatformAuth: 'PLATFORM_AUTH',
  /** The platform asked us to slow down (HTTP 429, RequestLimitExceeded, overLimit). */
  PlatformThrottled: 'PLATFORM_THROTTLED',
  /** The platform answered with an unexpected HTTP status. */
  PlatformHttp: 'PLATFORM_HTTP',
  /** The platform did not answer in time. */
  PlatformTimeout: 'PLATFORM_TIMEOUT',
  /** The connection to the platform failed (refused, reset, TLS). */
  PlatformUnreachable: 'PLATFORM_UNREACHABLE',
  /** The platform answered with a body we cannot understand. */
  PlatformPayload: 'PLATFORM_PAYLOAD',
  /** A listing ended before it was complete; it must not be used for deletion. */
  ListIncomplete: 'LIST_INCOMPLETE',
  /**
   * The platform no longer accepts an incremental listing's cursor (expired,
   * from another collector, older than it keeps deleted records): the core
   * runs a full list instead.
   */
  CursorRejected: 'CURSOR_REJECTED',
  /** The poll was aborted (shutdown, endpoint removed). */
  PollAborted: 'POLL_ABORTED',
  /** The broker did not acknowledge an event. */
  PublishFailed: 'PUBLISH_FAILED',
  /** The state cache (Redis) failed. */
  CacheFailed: 'CACHE_FAILED',
  /**
   * A write of an endpoint's state was refused because this replica no
   * longer holds the endpoint's lease with the fencing token the poll began
   * under (another replica took it over, or it expired). Context: endpoint,
   * replica, token.
   */
  LeaseLost: 'LEASE_LOST',
  /** A request to the bridge's own API is malformed. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** A request body is larger than the API accepts (`api.maxBodyBytes`). */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** A request body has a media type the API does not read. */
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** A requested resource does not exist. */
  NotFound: 'NOT_FOUND',
  /** A resource with that id exists already. */
  AlreadyExists: 'ALREADY_EXISTS',
  /** The resource is not in the state the request needs (e.g. nothing is held to release). */
  FailedPrecondition: 'FAILED_PRECONDITION',
  /** The caller did not authenticate. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** The caller may not do this. */
  PermissionDenied: 'PERMISSION_DENIED',
  /** A dependency the request needs is down. */
  Unavailable: 'UNAVAILABLE',
  /** A bug: something that should not happen did. */
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One problem found while validating input, located by its key path (`endpoints[0].url`). */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Structured facts about an error. All fields are optional and secret-free;
 * `retryAfterMs` is the platform's own hint, honoured by the scheduler.
 */
export interface ErrorContext {
  readonly endpoint?: string;
  readonly platform?: string;
  readonly status?: number;
  readonly url?: string;
  readonly retryAfterMs?: number;
  readonly platformCode?: string;
  readonly issues?: readonly ValidationIssue[];
  readonly [key: string]: unknown;
}

/** The root error type; see the module comment. */
export class BridgeError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BridgeError';
    this.code = code;
    this.context = Object.freeze({ ...context });
  }

  /** Plain object for pino's `err` serializer and for the API. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, context: this.context };
  }
}

/** True when `error` is a {@link BridgeError}, optionally of one of `codes`. */
export function isBridgeError(error: unknown, ...codes: ErrorCode[]): error is BridgeError {
  return error instanceof BridgeError && (codes.length === 0 || codes.includes(error.code));
}

/** Wraps anything thrown into a {@link BridgeError}, keeping the original as `cause`. */
export function asBridgeError(error: unknown, fallbackCode: ErrorCode = ErrorCode.Internal, context: ErrorContext = {}): BridgeError {
  if (error instanceof BridgeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BridgeError(fallbackCode, message, context, { cause: error });
}

/**
 * Bounds of a validation error: messages quote the input, and input may be
 * a megabyte string or thousands of wrong keys; the reader needs the first
 * problems, each readable, not the input echoed back.
 */
export const validationErrorLimits = Object.freeze({ maxIssues: 100, maxPathChars: 200, maxMessageChars: 1000 });

/** A {@link BridgeError} for a list of validation issues, each named by key path (bounded by {@link validationErrorLimits}). */
export function validationError(subject: string, issues: readonly ValidationIssue[]): BridgeError {
  const { maxIssues, maxPathChars, maxMessageChars } = validationErrorLimits;
  const shown = issues.slice(0, maxIssues).map((issue) => ({ path: boundText(issue.path, maxPathChars), message: boundText(issue.message, maxMessageChars) }));
  const more = issues.length > shown.length ? `\n  … and ${issues.length - shown.length} more` : '';
  const lines = shown.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n') + more;
  return new BridgeError(ErrorCode.ConfigInvalid, `${subject} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`, { issues: shown });
}
