import type { SimResponse } from '../../common/index.js';
import { escapeXml, morefXml, SOAP_CONTENT_TYPE, soapEnvelope } from './xml.js';

/** A managed object reference: type and value (`VirtualMachine` / `vm-1001`). */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

/**
 * A vim25 method fault, answered as vCenter does: HTTP 500, a SOAP 1.1 `Fault` with
 * `faultcode` `ServerFaultCode`, a `faultstring` and `detail/<Type>Fault xsi:type="<Type>"`
 * holding the fault's fields (shape of the vCenter answer in govmomi's
 * vim25/methods/fault_test.go; field names from the vSphere Web Services API reference).
 */
export class VimFault extends Error {
  override readonly name = 'VimFault';

  constructor(
    /** The fault type, e.g. `NotAuthenticated`, `InvalidProperty`. */
    readonly faultType: string,
    /** The `faultstring` (vCenter's localized message). */
    readonly faultString: string,
    /** The fault's fields as XML, in WSDL order. */
    readonly detailXml = '',
  ) {
    super(`${faultType}: ${faultString}`);
  }

  /** The fault as it appears inside `detail`, or inside a `LocalizedMethodFault`'s `fault`. */
  get faultXml(): string {
    return `<${this.faultType}Fault xmlns="urn:vim25" xsi:type="${this.faultType}">${this.detailXml}</${this.faultType}Fault>`;
  }
}

/** The SOAP answer of a fault. */
export function faultResponse(fault: VimFault): SimResponse {
  const body = `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${escapeXml(fault.faultString)}</faultstring><detail>${fault.faultXml}</detail></soapenv:Fault>`;
  return { status: 500, headers: { 'content-type': SOAP_CONTENT_TYPE }, body: soapEnvelope(body) };
}

/** A SOAP fault without a vim25 detail: what vCenter's SOAP stack answers to a request it cannot parse or dispatch. */
export function plainFaultResponse(faultCode: 'ClientFaultCode' | 'ServerFaultCode', faultString: string): SimResponse {
  const body = `<soapenv:Fault><faultcode>${faultCode}</faultcode><faultstring>${escapeXml(faultString)}</faultstring></soapenv:Fault>`;
  return { status: 500, headers: { 'content-type': SOAP_CONTENT_TYPE }, body: soapEnvelope(body) };
}

/**
 * The faults the simulator raises. Messages are vCenter's English `faultstring`s where known
 * (NotAuthenticated and InvalidLogin as clients match them, e.g. "The session is not
 * authenticated."), fields from the reference's fault pages.
 */
export const vimFaults = {
  /**
   * A call without a live session: `NotAuthenticated` (extends `NoPermission`: `object`,
   * `privilegeId`), naming the object called and `System.View`, as vCenter and govmomi's
   * vcsim (simulator/simulator.go) do.
   */
  notAuthenticated: (object: MoRef): VimFault =>
    new VimFault('NotAuthenticated', 'The session is not authenticated.', `${morefXml('object', object.type, object.value)}<privilegeId>System.View</privilegeId>`),
  /** `SessionManager.Login` with a wrong user name or password. */
  invalidLogin: (): VimFault => new VimFault('InvalidLogin', 'Cannot complete login due to an incorrect user name or password.'),
  /** `InvalidProperty` (`name`): an unknown property path, or a `ContinueRetrievePropertiesEx` token that is not (or no longer) valid. */
  invalidProperty: (name: string): VimFault => new VimFault('InvalidProperty', '', `<name>${escapeXml(name)}</name>`),
  /** `InvalidArgument` (`invalidProperty`). */
  invalidArgument: (property: string, message = 'A specified parameter was not correct: ' + property): VimFault =>
    new VimFault('InvalidArgument', message, `<invalidProperty>${escapeXml(property)}</invalidProperty>`),
  /** `ManagedObjectNotFound` (`obj`), with vCenter's message (as vcsim words it in simulator/property_collector.go). */
  managedObjectNotFound: (object: MoRef): VimFault =>
    new VimFault('ManagedObjectNotFound', 'The object has already been deleted or has not been completely created', morefXml('obj', object.type, object.value)),
  /** `MethodNotFound` (`receiver`, `method`): a method the called object does not have. */
  methodNotFound: (receiver: MoRef, method: string): VimFault =>
    new VimFault('MethodNotFound', `The method ${method} is not supported on ${receiver.type}`, `${morefXml('receiver', receiver.type, receiver.value)}<method>${escapeXml(method)}</method>`),
  /** `NotSupported`: a request the simulator's slice of vim25 does not model (named in the message). */
  notSupported: (what: string): VimFault => new VimFault('NotSupported', `The simulator does not model ${what}`),
  /** `SystemError` (`reason`): vCenter's catch-all server fault. */
  systemError: (reason: string): VimFault => new VimFault('SystemError', 'A general system error occurred: ' + reason, `<reason>${escapeXml(reason)}</reason>`),
  /** `NoPermission` (`object`, `privilegeId`), used in a `MissingProperty` of an object the account may not read. */
  noPermission: (object: MoRef, privilegeId: string): VimFault =>
    new VimFault('NoPermission', 'Permission to perform this operation was denied.', `${morefXml('object', object.type, object.value)}<privilegeId>${escapeXml(privilegeId)}</privilegeId>`),
} as const;
