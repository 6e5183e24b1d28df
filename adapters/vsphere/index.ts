/** The vSphere (vCenter REST API) platform adapter; see README.md beside this file. */
export { createVsphereAdapter, maxVmBatchSize } from './adapter.js';
export type { VsphereAdapterOptions } from './adapter.js';
export { vsphereStateTable } from './state-table.js';
export { vsphereConfigSchema } from './config-schema.js';
// The light entry point: what the registry imports before any vSphere endpoint polls.
export { vspherePlatform } from './platform.js';
export { apiFlavorSettings } from './api-flavors.js';
export type { ApiFlavorSetting } from './api-flavors.js';
