/**
 * vAPI standard errors (`com.vmware.vapi.std.errors.*`) as the two REST flavors send them:
 *
 * - `/api`:  `{"error_type":"NOT_FOUND","messages":[{"args":[],"default_message":"…","id":"…"}]}`
 * - `/rest`: `{"type":"com.vmware.vapi.std.errors.not_found","value":{"error_type":"NOT_FOUND","messages":[…]}}`
 *   (the 6.5 reference shows `value` without `error_type`; vCenter 7.0 adds it).
 */
export const VAPI_ERROR_KINDS = {
  invalid_argument: { status: 400, errorType: 'INVALID_ARGUMENT' },
  unable_to_allocate_resource: { status: 400, errorType: 'UNABLE_TO_ALLOCATE_RESOURCE' },
  unauthenticated: { status: 401, errorType: 'UNAUTHENTICATED' },
  unauthorized: { status: 403, errorType: 'UNAUTHORIZED' },
  not_found: { status: 404, errorType: 'NOT_FOUND' },
  operation_not_found: { status: 404, errorType: 'OPERATION_NOT_FOUND' },
  internal_server_error: { status: 500, errorType: 'INTERNAL_SERVER_ERROR' },
  service_unavailable: { status: 503, errorType: 'SERVICE_UNAVAILABLE' },
} as const;

/** The short name of a vAPI standard error, e.g. `unauthenticated`. */
export type VapiErrorKind = keyof typeof VAPI_ERROR_KINDS;

/** `vapi.std.LocalizableMessage` as the wire carries it. */
export interface LocalizableMessage {
  readonly id: string;
  readonly default_message: string;
  readonly args: readonly string[];
}

/** A vAPI error raised by an operation; each flavor renders it in its own shape. */
export class VapiError extends Error {
  override readonly name = 'VapiError';

  constructor(
    readonly kind: VapiErrorKind,
    readonly messages: readonly LocalizableMessage[],
    /** HTTP status; defaults to the one the reference documents for the kind. */
    readonly status: number = VAPI_ERROR_KINDS[kind].status,
  ) {
    super(messages[0]?.default_message ?? kind);
  }
}

/** The fully qualified error type of the `/rest` flavor, e.g. `com.vmware.vapi.std.errors.not_found`. */
export function qualifiedErrorType(kind: VapiErrorKind): string {
  return `com.vmware.vapi.std.errors.${kind}`;
}

/** The body of the `/api` flavor. */
export function apiErrorBody(error: VapiError): unknown {
  return { error_type: VAPI_ERROR_KINDS[error.kind].errorType, messages: error.messages };
}

/** The body of the `/rest` flavor. */
export function restErrorBody(error: VapiError): unknown {
  return { type: qualifiedErrorType(error.kind), value: apiErrorBody(error) };
}

function message(id: string, defaultMessage: string, args: readonly string[] = []): LocalizableMessage {
  return { id, default_message: defaultMessage, args };
}

/**
 * The errors the simulator raises. Ids and texts seen on real vCenters are used where
 * known (authentication, too-many-matches, VM not found, session limit); the others
 * are the simulator's own wording in the same shape.
 */
export const vapiErrors = {
  authenticationRequired: () =>
    new VapiError('unauthenticated', [message('com.vmware.vapi.endpoint.method.authentication.required', 'Authentication required.')]),
  sessionLimitReached: (limit: number, existing: number, user: string) =>
    new VapiError('service_unavailable', [
      message(
        'com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached',
        `User session count is limited to ${limit}. Existing session count is ${existing} for user ${user}`,
        [String(limit), String(existing), user],
      ),
    ]),
  tooManyVms: () =>
    new VapiError('unable_to_allocate_resource', [
      message('com.vmware.api.vcenter.vm.too_many_matches', 'Too many virtual machines. Add more filter criteria to reduce the number.'),
    ]),
  /**
   * An object the session's user lacks the privilege on (`GET /vcenter/vm/{vm}` documents
   * Unauthorized when the VM's System.Read is missing). Id and text as a real vCenter sends
   * them (quoted in github.com/vmware/vsphere-automation-sdk-java issue 185).
   */
  unauthorized: () => new VapiError('unauthorized', [message('vapi.security.authorization.invalid', 'Unable to authorize user')]),
  vmNotFound: (vmId: string) =>
    new VapiError('not_found', [message('com.vmware.api.vcenter.vm.not_found', `Virtual machine with identifier '${vmId}' does not exist.`, [vmId])]),
  categoryNotFound: (categoryId: string) =>
    new VapiError('not_found', [message('com.vmware.cis.tagging.objectNotFound.error', `Category with identifier ${categoryId} does not exist.`, [categoryId])]),
  tagNotFound: (tagId: string) =>
    new VapiError('not_found', [message('com.vmware.cis.tagging.objectNotFound.error', `Tag with identifier ${tagId} does not exist.`, [tagId])]),
  invalidArgument: (detail: string) => new VapiError('invalid_argument', [message('vapi.simulator.invalid.argument', detail, [detail])]),
  /** The error of a status with no operation behind it; `/api` reports unknown paths as not_found, `/rest` as operation_not_found. */
  byStatus: (status: number, flavor: 'api' | 'rest') => {
    if (status === 404) {
      return new VapiError(flavor === 'api' ? 'not_found' : 'operation_not_found', [message('com.vmware.vapi.rest.httpNotFound', 'Not found.')], 404);
    }
    if (status === 413) {
      return new VapiError('invalid_argument', [message('vapi.simulator.body.too.large', 'Request body too large.')], 413);
    }
    if (status === 500) {
      return new VapiError('internal_server_error', [message('vapi.simulator.internal.error', 'Internal server error.')], 500);
    }
    // 429 and the other 5xx: vCenter reports overload as service_unavailable.
    return new VapiError('service_unavailable', [message('vapi.simulator.service.unavailable', 'Service unavailable.')], status);
  },
};
