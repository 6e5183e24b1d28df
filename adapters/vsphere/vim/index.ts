/** The vSphere Web Services API (vim25 over SOAP) path: custom attributes select DCM's VMs. See ../README.md. */
export { createVimConnection } from './connection.js';
export type { VimConnectionOptions } from './connection.js';
export { describeSoapFault, sdkPath, soapAction, sessionCookieName } from './session.js';
export { vmListingPaths } from './listing.js';
