import type { CustomFieldRecord, PowerState, VmRecord } from '../model.js';
import { escapeXml, morefXml } from './xml.js';

/** vim25's `VirtualMachinePowerState` for the REST API's power states. */
export const VIM_POWER_STATE: Readonly<Record<PowerState, string>> = {
  POWERED_ON: 'poweredOn',
  POWERED_OFF: 'poweredOff',
  SUSPENDED: 'suspended',
};

/** What a property renderer may read besides the VM itself. */
export interface PropertyScope {
  /** Every custom field definition, in key order. */
  readonly fields: readonly CustomFieldRecord[];
}

/** One property of a managed object type: who declares it (for PropertySpec types) and how its `val` is written. */
export interface PropertyDefinition<Subject> {
  /** The type that declares the property; a PropertySpec of this type or a subtype may ask for it. */
  readonly declaredBy: string;
  /** The `<val xsi:type=…>…</val>` element. */
  readonly render: (subject: Subject, scope: PropertyScope) => string;
}

/** `<val xsi:type="…">…</val>` */
function val(xsiType: string, inner: string): string {
  return `<val xsi:type="${xsiType}">${inner}</val>`;
}

/** `CustomFieldDef`, fields in WSDL order; `type` is `string`, the only value type vCenter stores (`CustomFieldStringValue`). */
export function customFieldDefXml(field: CustomFieldRecord, element = 'CustomFieldDef'): string {
  const managedObjectType = field.managedObjectType === undefined ? '' : `<managedObjectType>${escapeXml(field.managedObjectType)}</managedObjectType>`;
  return `<${element}><key>${field.key}</key><name>${escapeXml(field.name)}</name><type>string</type>${managedObjectType}</${element}>`;
}

/** `customValue`: `CustomFieldStringValue` entries in key order. */
function customValueXml(vm: VmRecord): string {
  const keys = [...vm.customValues.keys()].sort((left, right) => left - right);
  return keys.map((key) => `<CustomFieldValue xsi:type="CustomFieldStringValue"><key>${key}</key><value>${escapeXml(vm.customValues.get(key) ?? '')}</value></CustomFieldValue>`).join('');
}

/**
 * `VirtualMachineRuntimeInfo`: the required fields in WSDL order (govmomi vim25/types), with
 * the values of a plain VM; the host is the VM's placement.
 */
function runtimeXml(vm: VmRecord): string {
  return (
    morefXml('host', 'HostSystem', vm.host) +
    `<connectionState>${vm.connectionState}</connectionState>` +
    `<powerState>${VIM_POWER_STATE[vm.powerState]}</powerState>` +
    '<faultToleranceState>notConfigured</faultToleranceState>' +
    '<toolsInstallerMounted>false</toolsInstallerMounted>' +
    '<numMksConnections>0</numMksConnections>' +
    '<recordReplayState>inactive</recordReplayState>' +
    '<onlineStandby>false</onlineStandby>' +
    '<consolidationNeeded>false</consolidationNeeded>' +
    '<paused>false</paused>' +
    '<snapshotInBackground>false</snapshotInBackground>' +
    '<quiescedForkParent>false</quiescedForkParent>' +
    '<instantCloneFrozen>false</instantCloneFrozen>'
  );
}

/**
 * The VirtualMachine properties the simulator serves, by property path (reference: managed
 * object VirtualMachine, its `runtime` data object VirtualMachineRuntimeInfo, and the
 * ManagedEntity / ExtensibleManagedObject properties it inherits). Every other path answers
 * `InvalidProperty`, which is what vCenter answers for a path the type does not have; real
 * properties the simulator does not model (`config.*`, `summary`…) answer the same, a
 * limitation named in the README.
 */
export const VM_PROPERTIES: Readonly<Record<string, PropertyDefinition<VmRecord>>> = {
  name: { declaredBy: 'ManagedEntity', render: (vm) => val('xsd:string', escapeXml(vm.name)) },
  customValue: { declaredBy: 'ExtensibleManagedObject', render: (vm) => val('ArrayOfCustomFieldValue', customValueXml(vm)) },
  availableField: {
    declaredBy: 'ExtensibleManagedObject',
    render: (_vm, scope) =>
      val(
        'ArrayOfCustomFieldDef',
        scope.fields
          .filter((field) => field.managedObjectType === undefined || field.managedObjectType === 'VirtualMachine')
          .map((field) => customFieldDefXml(field))
          .join(''),
      ),
  },
  runtime: { declaredBy: 'VirtualMachine', render: (vm) => val('VirtualMachineRuntimeInfo', runtimeXml(vm)) },
  'runtime.powerState': { declaredBy: 'VirtualMachine', render: (vm) => val('VirtualMachinePowerState', VIM_POWER_STATE[vm.powerState]) },
  'runtime.connectionState': { declaredBy: 'VirtualMachine', render: (vm) => val('VirtualMachineConnectionState', vm.connectionState) },
  'runtime.host': { declaredBy: 'VirtualMachine', render: (vm) => `<val type="HostSystem" xsi:type="ManagedObjectReference">${escapeXml(vm.host)}</val>` },
};

/** Top-level properties `all` returns for a VM. */
export const VM_ALL_PROPERTIES: readonly string[] = ['availableField', 'customValue', 'name', 'runtime'];

/** PropertySpec types that a VM answers to: its type and the types it extends. */
export const VM_TYPE_CHAIN: readonly string[] = ['VirtualMachine', 'ManagedEntity', 'ExtensibleManagedObject'];

/** True when a PropertySpec of `specType` may ask for the property (declared by that type or a supertype of it). */
export function visibleThrough(definition: { readonly declaredBy: string }, specType: string): boolean {
  const chain = VM_TYPE_CHAIN.slice(VM_TYPE_CHAIN.indexOf(specType));
  return VM_TYPE_CHAIN.includes(specType) && chain.includes(definition.declaredBy);
}
