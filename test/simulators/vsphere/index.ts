// Public surface of the vCenter (vSphere Automation REST API) simulator.
export { createVsphereSimulator, DEFAULT_CREDENTIALS } from './simulator.js';
export type { VsphereSimulator, VsphereSimulatorOptions } from './simulator.js';
export { createInventory, InventoryError } from './inventory.js';
export type { BulkCreateOptions, NewCategory, NewVm, SeedDcmOptions, SeededVm, UnregisteredVm, VmFilter, VmListOutcome, VsphereInventory } from './inventory.js';
export type { AccountView, VsphereQuirks } from './account-view.js';
export { MALFORMED_ANSWER_KINDS } from './malformed-answers.js';
export type { MalformedAnswerKind, MalformedAnswerSpec } from './malformed-answers.js';
export { POWER_STATES, VIRTUAL_MACHINE_TYPE, isPowerState } from './model.js';
export type { Cardinality, CategoryRecord, PowerState, TagRecord, TagReference, VmPlacement, VmRecord } from './model.js';
export type { SessionCounters } from './sessions.js';
export type { Credentials } from './operations.js';
export { SESSION_HEADER } from './flavors.js';
export { VAPI_ERROR_KINDS, VapiError, qualifiedErrorType } from './vapi-errors.js';
export type { LocalizableMessage, VapiErrorKind } from './vapi-errors.js';
