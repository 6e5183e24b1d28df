/** Power states of the vCenter API (`Vcenter.Vm.Power.State`). */
export const POWER_STATES = ['POWERED_ON', 'POWERED_OFF', 'SUSPENDED'] as const;

/** One of {@link POWER_STATES}. */
export type PowerState = (typeof POWER_STATES)[number];

/** True when the string is a power state the real API accepts. */
export function isPowerState(value: string): value is PowerState {
  return (POWER_STATES as readonly string[]).includes(value);
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
