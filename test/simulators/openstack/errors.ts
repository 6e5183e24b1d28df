import { jsonResponse, type SimRequest, type SimResponse } from '../common/index.js';

/**
 * Error bodies of the three layers a client meets:
 *
 * - Nova (`nova/api/openstack/wsgi.py`, class `Fault`): `{"<faultName>": {"code": n, "message": "…"}}`
 *   where the name comes from the status (`badRequest`, `itemNotFound`, `overLimit`…) and
 *   is `computeFault` for any other status (406, 500…).
 * - Keystone (`keystone/exception.py`, rendered by the server): `{"error": {"code", "message", "title"}}`.
 * - keystonemiddleware's `auth_token` in front of Nova, when the token is missing, expired
 *   or revoked: the Keystone-style body with `title: "Unauthorized"` plus
 *   `WWW-Authenticate: Keystone uri="<identity url>"`.
 */
const NOVA_FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The fault name Nova uses for a status. */
export function novaFaultName(status: number): string {
  return NOVA_FAULT_NAMES[status] ?? 'computeFault';
}

/** A Nova fault answer. `retryAfter` is added to 413/429 bodies as Nova does when it knows the delay. */
export function novaFault(status: number, message: string, headers: Readonly<Record<string, string>> = {}, retryAfterSeconds?: number): SimResponse {
  const detail: Record<string, unknown> = { code: status, message };
  if ((status === 413 || status === 429) && retryAfterSeconds !== undefined) {
    detail.retryAfter = String(retryAfterSeconds);
  }
  return jsonResponse(status, { [novaFaultName(status)]: detail }, headers);
}

const KEYSTONE_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Keystone's message for an Unauthorized (bad credentials, bad or expired token). */
export const AUTHENTICATION_REQUIRED = 'The request you have made requires authentication.';

/** A Keystone error answer. */
export function keystoneError(status: number, message: string, headers: Readonly<Record<string, string>> = {}): SimResponse {
  return jsonResponse(status, { error: { code: status, message, title: KEYSTONE_TITLES[status] ?? 'Error' } }, headers);
}

/** The `WWW-Authenticate` header Keystone and keystonemiddleware send with a 401. */
export function wwwAuthenticate(identityUrl: string): Record<string, string> {
  return { 'www-authenticate': `Keystone uri="${identityUrl}"` };
}

/** What keystonemiddleware answers in front of Nova when the token does not validate. */
export function tokenRejected(identityUrl: string): SimResponse {
  return keystoneError(401, AUTHENTICATION_REQUIRED, wwwAuthenticate(identityUrl));
}

/** Nova's 500 for an exception no handler expected (`nova/api/openstack/wsgi.py`, `expected_errors`). */
export const UNEXPECTED_API_ERROR = 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';

const NOVA_STATUS_MESSAGES: Readonly<Record<number, string>> = {
  404: 'The resource could not be found.',
  413: 'Request is too large.',
  429: 'This request was rate-limited.',
  500: UNEXPECTED_API_ERROR,
  503: 'The server is currently unavailable. Please try again at a later time.',
};

const KEYSTONE_STATUS_MESSAGES: Readonly<Record<number, string>> = {
  404: 'The resource could not be found.',
  413: 'Request attribute is too large.',
  429: 'Too many requests.',
  500: 'An unexpected error prevented the server from fulfilling your request.',
  503: 'The service is temporarily unavailable.',
};

/**
 * The kit's `errorResponse`: faults, unmatched routes and handler crashes answered in the
 * shape of the service the path belongs to (identity → Keystone, anything else → Nova).
 */
export function openstackErrorResponse(isIdentityPath: (path: string) => boolean): (request: SimRequest, status: number) => SimResponse {
  return (request, status) => {
    if (isIdentityPath(request.url.pathname)) {
      return keystoneError(status, KEYSTONE_STATUS_MESSAGES[status] ?? `Request failed with status ${status}.`);
    }
    return novaFault(status, NOVA_STATUS_MESSAGES[status] ?? `Request failed with status ${status}.`);
  };
}
