/** The vSphere platform adapter (vCenter Web Services API or REST API); see README.md beside this file. */
export { createVsphereAdapter, maxVmBatchSize } from './adapter.js';
export { vsphereAccountKey } from './rate-account.js';
export type { VsphereAdapterOptions } from './adapter.js';
export { vsphereStateTable, vimConnectionStateRules, vimPowerStateKeys } from './state-table.js';
export { vsphereConfigSchema } from './config-schema.js';
// The light entry point: what the registry imports before any vSphere endpoint polls.
export { vspherePlatform } from './platform.js';
export { apiFlavorSettings, selectorSources, vsphereProtocolOf } from './api-flavors.js';
export type { ApiFlavorSetting, SelectorSource, VsphereProtocol } from './api-flavors.js';
