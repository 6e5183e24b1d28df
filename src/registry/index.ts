export { createAdapterRegistry } from './adapter-registry.js';
export type { AdapterRegistry } from './adapter-registry.js';
export { builtinAdapters } from './builtin-adapters.js';
export { createEndpointRegistry } from './endpoint-registry.js';
export type { EndpointRegistry, EndpointEvent } from './endpoint-registry.js';
export { deferredAdapter } from './deferred-adapter.js';
