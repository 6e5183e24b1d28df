import { escapeXml, type MoRef } from './xml.js';

/**
 * The vim25 requests the adapter sends, kept by hand and minimal: each is the
 * operation's WSDL message with only the parameters the adapter uses, in the
 * WSDL's element order (the XML Schema sequences of vim.wsdl/vim-types.xsd;
 * vCenter's deserializer rejects elements out of order).
 */

/** One SOAP call: the operation name (for errors and metrics) and its envelope. */
export interface VimRequest {
  readonly operation: string;
  readonly envelope: string;
}

/** The well-known reference of the service root (vSphere Web Services API: `ServiceInstance`). */
export const serviceInstance: MoRef = { type: 'ServiceInstance', value: 'ServiceInstance' };

function reference(element: string, ref: MoRef): string {
  return `<${element} type="${escapeXml(ref.type)}">${escapeXml(ref.value)}</${element}>`;
}

function envelope(operation: string, parameters: string): VimRequest {
  return {
    operation,
    envelope:
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${operation} xmlns="urn:vim25">${parameters}</${operation}></soapenv:Body></soapenv:Envelope>`,
  };
}

/** `RetrieveServiceContent` on the ServiceInstance: the references of the managers. Needs no session. */
export function retrieveServiceContent(): VimRequest {
  return envelope('RetrieveServiceContent', reference('_this', serviceInstance));
}

/** `SessionManager.Login`; the answer sets the `vmware_soap_session` cookie. Holds the password: never log it. */
export function login(sessionManager: MoRef, userName: string, password: string): VimRequest {
  return envelope('Login', `${reference('_this', sessionManager)}<userName>${escapeXml(userName)}</userName><password>${escapeXml(password)}</password>`);
}

/** `SessionManager.Logout`. */
export function logout(sessionManager: MoRef): VimRequest {
  return envelope('Logout', reference('_this', sessionManager));
}

/** `ViewManager.CreateContainerView`: every VirtualMachine under `container`, recursively. The view lives as long as the session. */
export function createVmContainerView(viewManager: MoRef, container: MoRef): VimRequest {
  return envelope('CreateContainerView', `${reference('_this', viewManager)}${reference('container', container)}<type>VirtualMachine</type><recursive>true</recursive>`);
}

/** What one RetrievePropertiesEx asks: properties of one object type, from a container view's contents or from objects named directly. */
export type PropertyQuery =
  | { readonly kind: 'view'; readonly view: MoRef; readonly type: string; readonly paths: readonly string[] }
  | { readonly kind: 'objects'; readonly objects: readonly MoRef[]; readonly type: string; readonly paths: readonly string[]; readonly reportMissingObjects: boolean };

/**
 * `PropertyCollector.RetrievePropertiesEx` with `maxObjects`: one
 * PropertyFilterSpec (propSet, objectSet, reportMissingObjectsInResults).
 * A view is traversed through its `view` property (TraversalSpec on
 * ContainerView), the view itself skipped.
 */
export function retrievePropertiesEx(propertyCollector: MoRef, query: PropertyQuery, maxObjects: number): VimRequest {
  const propSet = `<propSet><type>${escapeXml(query.type)}</type>${query.paths.map((path) => `<pathSet>${escapeXml(path)}</pathSet>`).join('')}</propSet>`;
  const objectSet =
    query.kind === 'view'
      ? `<objectSet>${reference('obj', query.view)}<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>`
      : query.objects.map((object) => `<objectSet>${reference('obj', object)}<skip>false</skip></objectSet>`).join('');
  const reportMissing = query.kind === 'objects' && query.reportMissingObjects ? '<reportMissingObjectsInResults>true</reportMissingObjectsInResults>' : '';
  return envelope('RetrievePropertiesEx', `${reference('_this', propertyCollector)}<specSet>${propSet}${objectSet}${reportMissing}</specSet><options><maxObjects>${maxObjects}</maxObjects></options>`);
}

/** `PropertyCollector.ContinueRetrievePropertiesEx`: the next page of a paged retrieval. */
export function continueRetrievePropertiesEx(propertyCollector: MoRef, token: string): VimRequest {
  return envelope('ContinueRetrievePropertiesEx', `${reference('_this', propertyCollector)}<token>${escapeXml(token)}</token>`);
}

/** `PropertyCollector.CancelRetrievePropertiesEx`: drops a paged retrieval's remaining pages on the server. */
export function cancelRetrievePropertiesEx(propertyCollector: MoRef, token: string): VimRequest {
  return envelope('CancelRetrievePropertiesEx', `${reference('_this', propertyCollector)}<token>${escapeXml(token)}</token>`);
}

/**
 * `PropertyCollector.CreateFilter`: a filter over the VMs of a container view (the listing's
 * traversal) for `paths`, `partialUpdates` false. The filter lives as long as the session.
 */
export function createViewFilter(propertyCollector: MoRef, view: MoRef, type: string, paths: readonly string[]): VimRequest {
  const propSet = `<propSet><type>${escapeXml(type)}</type>${paths.map((path) => `<pathSet>${escapeXml(path)}</pathSet>`).join('')}</propSet>`;
  const objectSet = `<objectSet>${reference('obj', view)}<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>traverseView</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>`;
  return envelope('CreateFilter', `${reference('_this', propertyCollector)}<spec>${propSet}${objectSet}</spec><partialUpdates>false</partialUpdates>`);
}

/**
 * `PropertyCollector.WaitForUpdatesEx` with `maxWaitSeconds` 0: one change calculation since
 * `version` (`""`: everything), answered at once; at most `maxObjectUpdates` object updates.
 */
export function waitForUpdatesEx(propertyCollector: MoRef, version: string, maxObjectUpdates: number): VimRequest {
  // WSDL order: version, then options (maxWaitSeconds, maxObjectUpdates); an empty version is sent as an empty element.
  return envelope(
    'WaitForUpdatesEx',
    `${reference('_this', propertyCollector)}<version>${escapeXml(version)}</version><options><maxWaitSeconds>0</maxWaitSeconds><maxObjectUpdates>${maxObjectUpdates}</maxObjectUpdates></options>`,
  );
}

/** `PropertyFilter.DestroyPropertyFilter`. */
export function destroyPropertyFilter(filter: MoRef): VimRequest {
  return envelope('DestroyPropertyFilter', reference('_this', filter));
}
