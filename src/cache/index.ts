export { openStateCache } from './state-cache.js';
export type { StateCache, StateCacheOptions, InstanceRecord, EndpointIndex, IndexEntry, IndexUpdate, OutboxEntry, CacheEpoch, StateWrite, ListingCursor } from './state-cache.js';
