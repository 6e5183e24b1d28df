/** Power states of the vCenter API (`Vcenter.Vm.Power.State`). */
export const POWER_STATES = ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED'] as const;

/** One of {@link POWER_STATES}. */
export type PowerState = (typeof POWER_STATES)[number];

/** True when the string is a power state the real API accepts. */
export function isPowerState(value: string): value is PowerState {
  return (POWER_STATES as readonly string[]).includes(value);
}

/**
 * `VirtualMachine.runtime.connectionState` of the Web Services API (`VirtualMachineConnectionState`):
 * `disconnected` (its host is disconnected), `orphaned` (no longer registered on the host vCenter
 * thinks it is on), `inaccessible` (its configuration files cannot be reached), `invalid` (its
 * configuration is corrupt). The REST API does not show it.
 */
export const CONNECTION_STATES = ['connected', 'disconnected', 'orphaned', 'inaccessible', 'invalid'] as const;

/** One of {@link CONNECTION_STATES}. */
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** True when the string is a connection state vCenter reports. */
export function isConnectionState(value: string): value is ConnectionState {
  return (CONNECTION_STATES as readonly string[]).includes(value);
}

/** Tag category cardinality: how many tags of the category one object may carry. */
export type Cardinality = 'SINGLE' | 'MULTIPLE';

/** Object type of a VM in tag associations (`vapi.std.DynamicID.type`). */
export const VIRTUAL_MACHINE_TYPE = 'VirtualMachine';

/** Where a VM sits; the list filters `folders`, `hosts`… match these identifiers. */
export interface VmPlacement {
  readonly folder: string;
  readonly datacenter: string;
  readonly host: string;
  readonly cluster: string;
  readonly resourcePool: string;
}

/** A VM of the simulated inventory. */
export interface VmRecord extends VmPlacement {
  readonly id: string;
  readonly name: string;
  readonly powerState: PowerState;
  readonly cpuCount: number;
  readonly memorySizeMiB: number;
  readonly guestOs: string;
  /** Seen only through the Web Services API (`runtime.connectionState`). */
  readonly connectionState: ConnectionState;
  /** Custom attribute values by field key (`customValue`); a record is replaced, never mutated, so holding one is a snapshot. */
  readonly customValues: ReadonlyMap<number, string>;
}

/**
 * A custom field definition (`CustomFieldDef` of the Web Services API's `CustomFieldsManager.field`):
 * `managedObjectType` undefined means the field applies to every managed object type.
 */
export interface CustomFieldRecord {
  readonly key: number;
  readonly name: string;
  readonly managedObjectType?: string;
}

/** A tag category of the simulated inventory. */
export interface CategoryRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly cardinality: Cardinality;
  readonly associableTypes: readonly string[];
}

/** A tag of the simulated inventory. */
export interface TagRecord {
  readonly id: string;
  readonly categoryId: string;
  readonly name: string;
  readonly description: string;
}

/** A tag named the way people write it: category name and tag name. */
export interface TagReference {
  readonly category: string;
  readonly tag: string;
}

/** Placement given to VMs that do not name one. */
export const DEFAULT_PLACEMENT: VmPlacement = {
  folder: 'group-v4',
  datacenter: 'datacenter-3',
  host: 'host-10',
  cluster: 'domain-c8',
  resourcePool: 'resgroup-9',
};
