export type { AdapterHost, RawInstance, PlatformAdapter, AdapterDescription, PlatformConnection, AdapterContext, AbsenceVerdict, AbsenceFinding, ConnectTargetCheck, EndpointStore, EndpointStoreMap, ChangePage, ListingEnd } from './types.js';
export { pollStoppedReason } from './types.js';
