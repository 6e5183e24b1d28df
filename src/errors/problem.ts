import { BridgeError, ErrorCode, type ValidationIssue } from './bridge-error.js';

/** An RFC 7807 problem document in DCM's vocabulary. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly code: string;
  readonly issues?: readonly ValidationIssue[];
}

const problemBase = 'https://dcm-project.github.io/problems/';

interface ProblemKind {
  readonly slug: string;
  readonly title: string;
  readonly status: number;
}

const invalidArgument: ProblemKind = { slug: 'invalid-argument', title: 'Invalid argument', status: 400 };
const internal: ProblemKind = { slug: 'internal', title: 'Internal error', status: 500 };
const unavailable: ProblemKind = { slug: 'unavailable', title: 'Unavailable', status: 503 };

/** Error code → problem type. Codes that only occur inside a poll map to `internal`/`unavailable`. */
const problemKindByCode: Readonly<Record<ErrorCode, ProblemKind>> = {
  CONFIG_INVALID: invalidArgument,
  CONFIG_REFERENCE: invalidArgument,
  PLATFORM_UNKNOWN: invalidArgument,
  INVALID_ARGUMENT: invalidArgument,
  // DCM's vocabulary has no own types for these; the HTTP status says what is wrong.
  PAYLOAD_TOO_LARGE: { slug: 'invalid-argument', title: 'Payload too large', status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { slug: 'invalid-argument', title: 'Unsupported media type', status: 415 },
  NOT_FOUND: { slug: 'not-found', title: 'Not found', status: 404 },
  ALREADY_EXISTS: { slug: 'already-exists', title: 'Already exists', status: 409 },
  FAILED_PRECONDITION: { slug: 'failed-precondition', title: 'Failed precondition', status: 409 },
  UNAUTHENTICATED: { slug: 'unauthenticated', title: 'Unauthenticated', status: 401 },
  PERMISSION_DENIED: { slug: 'permission-denied', title: 'Permission denied', status: 403 },
  UNAVAILABLE: unavailable,
  CACHE_FAILED: unavailable,
  // Only inside a poll: another replica polls the endpoint now.
  LEASE_LOST: unavailable,
  PUBLISH_FAILED: unavailable,
  PLATFORM_AUTH: unavailable,
  PLATFORM_THROTTLED: unavailable,
  PLATFORM_HTTP: unavailable,
  PLATFORM_TIMEOUT: unavailable,
  PLATFORM_UNREACHABLE: unavailable,
  PLATFORM_PAYLOAD: unavailable,
  LIST_INCOMPLETE: unavailable,
  CURSOR_REJECTED: unavailable,
  POLL_ABORTED: unavailable,
  INTERNAL: internal,
};

/**
 * The one place where errors become RFC 7807 problem documents. Anything that is
 * not a {@link BridgeError} is reported as `internal` without its message, since
 * a foreign error's text may carry details we do not control.
 */
export function toProblem(error: unknown, instance?: string): ProblemDocument {
  if (!(error instanceof BridgeError)) {
    return { type: problemBase + internal.slug, title: internal.title, status: internal.status, detail: 'An unexpected error occurred.', code: ErrorCode.Internal, ...(instance ? { instance } : {}) };
  }
  const kind = problemKindByCode[error.code];
  return {
    type: problemBase + kind.slug,
    title: kind.title,
    status: kind.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(error.context.issues ? { issues: error.context.issues } : {}),
  };
}
