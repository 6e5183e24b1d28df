// Public surface of the vCenter simulator: the vSphere Automation REST API (/api, /rest) and the Web Services API (vim25 SOAP at /sdk).
export { createVsphereSimulator, DEFAULT_CREDENTIALS } from './simulator.js';
export type { VsphereSimulator, VsphereSimulatorOptions } from './simulator.js';
export { createInventory, InventoryError } from './inventory.js';
export type { BulkCreateOptions, DcmMarking, NewCategory, NewVm, SeedDcmOptions, SeededVm, UnregisteredVm, VmFilter, VmListOutcome, VsphereInventory } from './inventory.js';
export type { AccountView, VsphereQuirks } from './account-view.js';
export { MALFORMED_ANSWER_KINDS } from './malformed-answers.js';
export type { MalformedAnswerKind, MalformedAnswerSpec } from './malformed-answers.js';
export { CONNECTION_STATES, POWER_STATES, VIRTUAL_MACHINE_TYPE, isConnectionState, isPowerState } from './model.js';
export type { Cardinality, CategoryRecord, ConnectionState, CustomFieldRecord, PowerState, TagRecord, TagReference, VmPlacement, VmRecord } from './model.js';
export type { SessionCounters } from './sessions.js';
export type { Credentials } from './operations.js';
export { SESSION_HEADER } from './flavors.js';
export { VAPI_ERROR_KINDS, VapiError, qualifiedErrorType } from './vapi-errors.js';
export type { LocalizableMessage, VapiErrorKind } from './vapi-errors.js';
export { SDK_PATH, SOAP_SESSION_COOKIE, VIM_METHODS, VIM_POWER_STATE, DEFAULT_ABOUT } from './vim/index.js';
export type { AboutSettings, PagingConsistency, VimSettings } from './vim/index.js';
