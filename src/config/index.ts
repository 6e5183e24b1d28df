export { loadConfig, loadConfigFile, endpointsEnvironmentName } from './load.js';
export type { BridgeConfig, ConfigSources, LoadedConfig } from './load.js';
export { validateEndpoint, defaultSelector, deepFreeze } from './endpoint.js';
export type { EndpointConfig, Selector, AdapterLookup } from './endpoint.js';
export { settingsSchema, environmentNameOf, environmentPrefix } from './schema.js';
export type { BridgeSettings, PublisherKind, LogLevel } from './schema.js';
export { resolveReferences, isReference } from './references.js';
export { validateWithConvict, secretKeyPattern } from './convict-validation.js';
export { dnsLabelPattern } from './formats.js';
