export type { RawInstance, PlatformAdapter, PlatformConnection, AdapterContext, AbsenceVerdict, AbsenceFinding } from './types.js';
