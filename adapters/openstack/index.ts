/** The OpenStack (Keystone v3 + Nova) platform adapter; see README.md beside this file. */
export { createOpenstackAdapter, defaultAbsenceConcurrency, defaultPageSize } from './adapter.js';
export type { OpenstackAdapterOptions } from './adapter.js';
export { openstackStateTable, novaStatuses, taskKeyPrefix, rawStateKey } from './state-table.js';
export { openstackConfigSchema, endpointInterfaces, instanceIdSources } from './config-schema.js';
// The light entry point: what the registry imports before any OpenStack endpoint polls.
export { describeOpenstackPlatform } from './platform.js';
export type { EndpointInterface, InstanceIdSource } from './config-schema.js';
export { cloudsYamlLocations, findCloud, noCloudsYaml } from './clouds-yaml.js';
export type { CloudsYamlSources, CloudsYamlLocation, CloudEntry, CloudLookup } from './clouds-yaml.js';
export { resolveOpenstackSettings } from './settings.js';
export { openstackAccountKey } from './rate-account.js';
export type { OpenstackSettings, OpenstackAuth } from './settings.js';
export { computeMicroversion, microversionHeader } from './listing.js';
export { absenceMicroversion, fallbackMicroversion } from './absence.js';
export { defaultChangesSinceMarginSeconds, cursorAt } from './changes.js';
export { defaultChangesSinceMaxAgeSeconds } from './settings.js';
export { renewalMarginMs } from './keystone.js';
