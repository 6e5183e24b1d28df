export type { RawInstance, PlatformAdapter, PlatformConnection, AdapterContext, PollStatistics } from './types.js';
