export type { RawInstance, PlatformAdapter, PlatformConnection, AdapterContext } from './types.js';
