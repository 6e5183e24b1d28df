import type { MoRef } from './faults.js';
import { escapeXml, morefXml } from './xml.js';

/**
 * The singleton managed objects of a vCenter and their references, with the values vCenter
 * uses (govmomi's vcsim records them from vCenter in simulator/vpx/service_content.go):
 * the root folder is `group-d1`, the property collector `propertyCollector`.
 */
export const SERVICE_INSTANCE: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };
export const ROOT_FOLDER: MoRef = { type: 'Folder', value: 'group-d1' };
export const PROPERTY_COLLECTOR: MoRef = { type: 'PropertyCollector', value: 'propertyCollector' };
export const VIEW_MANAGER: MoRef = { type: 'ViewManager', value: 'ViewManager' };
export const SESSION_MANAGER: MoRef = { type: 'SessionManager', value: 'SessionManager' };
export const CUSTOM_FIELDS_MANAGER: MoRef = { type: 'CustomFieldsManager', value: 'CustomFieldsManager' };

/** The name vCenter gives its root folder. */
export const ROOT_FOLDER_NAME = 'Datacenters';

/**
 * Other managers `ServiceContent` names, in WSDL order around the ones above. The simulator
 * serves no method on them (a call answers `MethodNotFound`); they are listed so a client
 * that reads the content sees the shape of a real one.
 */
const OTHER_MANAGERS_BEFORE_SESSION: readonly [string, MoRef][] = [
  ['setting', { type: 'OptionManager', value: 'VpxSettings' }],
  ['userDirectory', { type: 'UserDirectory', value: 'UserDirectory' }],
];
const OTHER_MANAGERS_AFTER_SESSION: readonly [string, MoRef][] = [
  ['authorizationManager', { type: 'AuthorizationManager', value: 'AuthorizationManager' }],
  ['perfManager', { type: 'PerformanceManager', value: 'PerfMgr' }],
  ['eventManager', { type: 'EventManager', value: 'EventManager' }],
  ['taskManager', { type: 'TaskManager', value: 'TaskManager' }],
];

/** What `ServiceContent.about` says; the release decides the vim25 API version a client may speak. */
export interface AboutSettings {
  /** Product version, default `8.0.3`. */
  readonly version: string;
  /** Build number, default `24022515` (vCenter 8.0 U3 GA). */
  readonly build: string;
  /** vim25 API version, default `8.0.3.0`. */
  readonly apiVersion: string;
  /** `instanceUuid` of this vCenter. */
  readonly instanceUuid: string;
}

/** Defaults of {@link AboutSettings}. */
export const DEFAULT_ABOUT: AboutSettings = {
  version: '8.0.3',
  build: '24022515',
  apiVersion: '8.0.3.0',
  instanceUuid: '8f5e5c4a-2c1d-4b7e-9a0f-3d6c1e2b4a5f',
};

/** `AboutInfo`, fields in WSDL order (vSphere Web Services API reference, data object AboutInfo). */
function aboutXml(about: AboutSettings): string {
  const major = about.version.split('.').slice(0, 2).join('.');
  return (
    '<about>' +
    '<name>VMware vCenter Server</name>' +
    `<fullName>VMware vCenter Server ${escapeXml(about.version)} build-${escapeXml(about.build)}</fullName>` +
    '<vendor>VMware, Inc.</vendor>' +
    `<version>${escapeXml(about.version)}</version>` +
    `<build>${escapeXml(about.build)}</build>` +
    '<localeVersion>INTL</localeVersion><localeBuild>000</localeBuild>' +
    '<osType>linux-x64</osType><productLineId>vpx</productLineId><apiType>VirtualCenter</apiType>' +
    `<apiVersion>${escapeXml(about.apiVersion)}</apiVersion>` +
    `<instanceUuid>${escapeXml(about.instanceUuid)}</instanceUuid>` +
    '<licenseProductName>VMware VirtualCenter Server</licenseProductName>' +
    `<licenseProductVersion>${escapeXml(major)}</licenseProductVersion>` +
    '</about>'
  );
}

/** The `returnval` of `RetrieveServiceContent`: `ServiceContent`, fields in WSDL order. */
export function serviceContentXml(about: AboutSettings): string {
  const manager = ([element, reference]: readonly [string, MoRef]): string => morefXml(element, reference.type, reference.value);
  return (
    '<returnval>' +
    morefXml('rootFolder', ROOT_FOLDER.type, ROOT_FOLDER.value) +
    morefXml('propertyCollector', PROPERTY_COLLECTOR.type, PROPERTY_COLLECTOR.value) +
    morefXml('viewManager', VIEW_MANAGER.type, VIEW_MANAGER.value) +
    aboutXml(about) +
    OTHER_MANAGERS_BEFORE_SESSION.map(manager).join('') +
    morefXml('sessionManager', SESSION_MANAGER.type, SESSION_MANAGER.value) +
    OTHER_MANAGERS_AFTER_SESSION.map(manager).join('') +
    morefXml('customFieldsManager', CUSTOM_FIELDS_MANAGER.type, CUSTOM_FIELDS_MANAGER.value) +
    '</returnval>'
  );
}
