export type { RawInstance, PlatformAdapter, PlatformConnection, AdapterContext, AbsenceVerdict, AbsenceFinding, ConnectTargetCheck } from './types.js';
