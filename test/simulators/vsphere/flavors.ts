import { emptyResponse, jsonResponse, type RouteHandler, type SimRequest, type SimResponse } from '../common/index.js';
import { apiErrorBody, restErrorBody, VapiError, vapiErrors } from './vapi-errors.js';

/** The header (and, for `/rest`, cookie) carrying the session token. */
export const SESSION_HEADER = 'vmware-api-session-id';

/**
 * What differs between the two REST flavors of vCenter: `/api` (7.0 U2+) sends bare
 * values and `{error_type, messages}` errors; `/rest` (6.5–7.0) wraps every answer in
 * `{"value": …}` and errors in `{type, value}`.
 */
export interface Flavor {
  readonly name: 'api' | 'rest';
  /** A successful answer carrying a value. */
  ok(value: unknown, status?: number): SimResponse;
  /** A successful answer without a value (`/api`: 204, `/rest`: 200 without body). */
  done(): SimResponse;
  error(error: VapiError): SimResponse;
  /** The session token a request presents. */
  sessionToken(request: SimRequest): string | undefined;
}

function headerValue(request: SimRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookieValue(request: SimRequest, name: string): string | undefined {
  for (const part of (headerValue(request, 'cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return rest.join('=');
    }
  }
  return undefined;
}

/** The `/api` flavor. */
export const apiFlavor: Flavor = {
  name: 'api',
  ok: (value, status = 200) => jsonResponse(status, value),
  done: () => emptyResponse(204),
  error: (error) => jsonResponse(error.status, apiErrorBody(error)),
  sessionToken: (request) => headerValue(request, SESSION_HEADER),
};

/** The `/rest` flavor; it also accepts the session cookie its login sets. */
export const restFlavor: Flavor = {
  name: 'rest',
  ok: (value, status = 200) => jsonResponse(status, { value }),
  done: () => emptyResponse(200),
  error: (error) => jsonResponse(error.status, restErrorBody(error)),
  sessionToken: (request) => headerValue(request, SESSION_HEADER) ?? cookieValue(request, SESSION_HEADER),
};

/** The flavor a path belongs to; paths outside both prefixes answer like `/api`. */
export function flavorOfPath(path: string): Flavor {
  return path === '/rest' || path.startsWith('/rest/') ? restFlavor : apiFlavor;
}

/** Wraps an operation so a {@link VapiError} it throws is answered in the flavor's shape. */
export function vapiHandler(flavor: Flavor, operation: RouteHandler): RouteHandler {
  return async (request) => {
    try {
      return await operation(request);
    } catch (error) {
      if (error instanceof VapiError) {
        return flavor.error(error);
      }
      throw error;
    }
  };
}

/** The platform error answer for a status, used by the kit for faults and unmatched routes. */
export function vsphereErrorResponse(request: SimRequest, status: number): SimResponse {
  const flavor = flavorOfPath(request.url.pathname);
  return flavor.error(vapiErrors.byStatus(status, flavor.name));
}
