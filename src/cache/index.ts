export { openStateCache, clusterKeys, leaseHolderValue } from './state-cache.js';
export type { StateCache, StateCacheOptions, InstanceRecord, EndpointIndex, IndexEntry, IndexUpdate, OutboxEntry, CacheEpoch, StateWrite, ListingCursor, Fence, ClusterKeys, CoordinationClient, CoordinationStore } from './state-cache.js';
export { luaScript, runScript } from './lua.js';
export type { LuaScript, ScriptClient } from './lua.js';
export type { HotStore, HotWrite } from './hot-store.js';
export { openCacheChannels } from './channels.js';
export type { CacheChannels, ChannelListener, ChannelSubscription } from './channels.js';
export { openDocumentHash, registrationsHashKey } from './document-hash.js';
export type { DocumentHash } from './document-hash.js';
