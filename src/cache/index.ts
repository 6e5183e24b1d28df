export { openStateCache } from './state-cache.js';
export type { StateCache, StateCacheOptions, InstanceRecord, EndpointIndex } from './state-cache.js';
