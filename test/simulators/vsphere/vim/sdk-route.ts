import { STATUS_CODES } from 'node:http';
import type { Route, SimRequest, SimResponse } from '../../common/index.js';
import { faultResponse, plainFaultResponse, VimFault, vimFaults } from './faults.js';
import { dispatch, type VimContext } from './operations.js';
import { operationOf, parseSoapCall, SoapRequestError } from './request.js';

/** Where vCenter serves the Web Services API over SOAP. */
export const SDK_PATH = '/sdk';

/**
 * The `POST /sdk` route. Requests are counted per operation (`POST /sdk RetrievePropertiesEx`)
 * because the kit reads the operation from the body first (see `Route.operationOf`). The
 * `SOAPAction` header (`urn:vim25/8.0.3.0`) is accepted whatever release it names.
 */
export function sdkRoute(context: VimContext): Route {
  return {
    method: 'POST',
    path: SDK_PATH,
    operationOf,
    handle: (request) => {
      try {
        return dispatch(context, request, parseSoapCall(request.body));
      } catch (error) {
        if (error instanceof VimFault) {
          return faultResponse(error);
        }
        if (error instanceof SoapRequestError) {
          return plainFaultResponse('ServerFaultCode', error.message);
        }
        throw error;
      }
    },
  };
}

/** True when a request is for the Web Services API. */
export function isSdkRequest(request: SimRequest): boolean {
  return request.url.pathname === SDK_PATH || request.url.pathname.startsWith(`${SDK_PATH}/`);
}

/**
 * The answer to an injected fault or an unroutable `/sdk` request. A 500 is a SOAP
 * `SystemError` fault, as vpxd sends; other statuses come from the reverse proxy in front of
 * vCenter (envoy / rhttpproxy), which answers in plain text, not SOAP.
 */
export function vimErrorResponse(status: number): SimResponse {
  if (status === 500) {
    return faultResponse(vimFaults.systemError('injected server error'));
  }
  const reason = STATUS_CODES[status] ?? 'Error';
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${status} ${reason}` };
}
