/**
 * The HTTP client shared by the REST platform adapters (vSphere, OpenStack):
 * one keep-alive pool per endpoint, TLS from the endpoint, per-request
 * timeouts, the poll's AbortSignal, JSON decoding (a large list page in
 * pieces, `json-in-pieces.ts`) and the mapping of every
 * outcome to a typed BridgeError; for API-registered endpoints, the target
 * policy checked on every socket (`connect-guard.ts`, also used by the EC2
 * adapter's SDK handler).
 */
export { createPlatformHttpClient } from './client.js';
export type { PlatformHttpClient, PlatformHttpOptions, PlatformRequest, PlatformResponse, RawRequestBody } from './client.js';
export { createConnectGuard, guardedConnector } from './connect-guard.js';
export type { ConnectGuard, GuardScope } from './connect-guard.js';
export type { ErrorBodyDetail, RequestTarget } from './errors.js';
export { parseJsonInPieces, v8JsonPretenureBytes } from './json-in-pieces.js';
export { parseRetryAfter } from './retry-after.js';
export type { TlsSettings } from './tls.js';
export { tlsConnectOptions } from './tls.js';
export { untilAborted } from './until-aborted.js';
export { armDeadline } from './deadline.js';
export type { Deadline } from './deadline.js';
