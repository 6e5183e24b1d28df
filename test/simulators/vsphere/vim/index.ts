// Public surface of the vCenter simulator's Web Services API (vim25, SOAP at POST /sdk) slice.
export { sdkRoute, vimErrorResponse, isSdkRequest, SDK_PATH } from './sdk-route.js';
export { dispatch, VIM_METHODS } from './operations.js';
export type { VimContext, VimSettings } from './operations.js';
export type { PagingConsistency } from './property-collector.js';
export { DEFAULT_MAX_OBJECT_UPDATES_POLICY } from './update-collector.js';
export type { PropertyFilterRecord, UpdateTracking } from './update-collector.js';
export { createSoapSessionRegistry, SOAP_SESSION_COOKIE, soapSessionCookie } from './soap-sessions.js';
export type { SoapSessionRegistry, SoapSessionState } from './soap-sessions.js';
export { VimFault, vimFaults, faultResponse } from './faults.js';
export type { MoRef } from './faults.js';
export { DEFAULT_ABOUT, CUSTOM_FIELDS_MANAGER, PROPERTY_COLLECTOR, ROOT_FOLDER, SERVICE_INSTANCE, SESSION_MANAGER, VIEW_MANAGER } from './service-content.js';
export type { AboutSettings } from './service-content.js';
export { VIM_POWER_STATE, VM_PROPERTIES } from './properties.js';
export { operationOf } from './request.js';
