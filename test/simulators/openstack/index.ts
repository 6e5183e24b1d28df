// Public surface of the OpenStack (Keystone v3 + Nova v2.1) simulator.
export { createOpenstackSimulator, DEFAULT_CREDENTIALS, DEFAULT_IDS, DEFAULT_MAX_MICROVERSION } from './simulator.js';
export type { OpenstackSimulator, OpenstackSimulatorOptions } from './simulator.js';
export type { IdentityIds, OpenstackCredentials } from './context.js';
export { createServerStore, DCM_INSTANCE_ID_KEY, DCM_MANAGED_BY_TAG, InventoryError } from './servers.js';
export type { NewServer, PageOutcome, PageQuery, SeedDcmOptions, SeededServer, ServerStateChange, ServerStore } from './servers.js';
export { DEFAULT_CELL, MAX_TAGS_PER_SERVER, POWER_STATES, STATUS_TABLE, TASK_STATES, VM_STATES, isTaskState, isVmState, statusOf } from './model.js';
export type { ServerRecord, TaskState, VmState } from './model.js';
export { LIFECYCLE, advanceLifecycle, lifecycleStepOf } from './lifecycle.js';
export type { LifecycleStep } from './lifecycle.js';
export type { ListingFault, ListingFaultAction, ListingFaults, PageFaultSpec, ProxyAnswer } from './listing-faults.js';
export { createNovaQuirks, NO_QUIRKS, parseQuirkSettings, QuirkSettingError } from './quirks.js';
export type { CountedQuirk, NovaQuirks, NovaQuirkSettings, QuirkTrigger } from './quirks.js';
export { MIN_MICROVERSION, formatMicroversion, negotiateMicroversion, parseMicroversion } from './microversions.js';
export type { Microversion, Negotiation } from './microversions.js';
export { AUTHENTICATION_REQUIRED, novaFaultName, UNEXPECTED_API_ERROR } from './errors.js';
export type { AuthMethod, TokenCounters } from './tokens.js';
