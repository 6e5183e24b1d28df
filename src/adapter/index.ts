export type { RawInstance, PlatformAdapter, AdapterDescription, PlatformConnection, AdapterContext, AbsenceVerdict, AbsenceFinding, ConnectTargetCheck } from './types.js';
