export { createEndpointService } from './endpoint-service.js';
export type { EndpointService, EndpointServiceOptions, EndpointView } from './endpoint-service.js';
export { createRegistrationStore } from './registration-store.js';
export type { RegistrationStore, StoredRegistration } from './registration-store.js';
export { endpointResource } from './representation.js';
export type { RegistrationTimes } from './representation.js';
export { endpointStatusResource } from './status-view.js';
export { createTargetConnectCheck, createTargetPreflight, guardedUrls } from './target-preflight.js';
export type { PollPreflight, GuardedUrl, TargetConnectCheckFor } from './target-preflight.js';
