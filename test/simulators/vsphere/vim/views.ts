import type { AccountView } from '../account-view.js';
import type { VmFilter, VsphereInventory } from '../inventory.js';
import { DEFAULT_PLACEMENT, type VmRecord } from '../model.js';
import { vimFaults, type MoRef } from './faults.js';
import { ROOT_FOLDER } from './service-content.js';

/** A `ContainerView` created by `ViewManager.CreateContainerView`. */
export interface ContainerViewRecord {
  readonly reference: MoRef;
  readonly container: MoRef;
  /** Empty: every managed entity type. */
  readonly types: readonly string[];
  readonly recursive: boolean;
}

/**
 * Managed entity types `CreateContainerView` accepts in `type` (the reference's ManagedEntity
 * subtypes; govmomi's vcsim checks the same list in simulator/view_manager.go). An unknown
 * name is refused with `InvalidArgument` on `type`.
 */
const ENTITY_TYPES: ReadonlySet<string> = new Set([
  'ManagedEntity',
  'Folder',
  'StoragePod',
  'Datacenter',
  'ComputeResource',
  'ClusterComputeResource',
  'HostSystem',
  'ResourcePool',
  'VirtualApp',
  'VirtualMachine',
  'Datastore',
  'Network',
  'OpaqueNetwork',
  'DistributedVirtualPortgroup',
  'DistributedVirtualSwitch',
  'VmwareDistributedVirtualSwitch',
]);

/** Types whose instances include VMs: the VM type itself and its supertype. */
const SHOWS_VMS: ReadonlySet<string> = new Set(['VirtualMachine', 'ManagedEntity']);

/**
 * The containers a view may start from. The simulator models VMs only, so a container is the
 * root folder (every VM) or one of the placement objects VMs name (their folder, datacenter,
 * cluster, host, resource pool): the view then holds the VMs placed there.
 */
const CONTAINERS: readonly { readonly type: string; readonly prefix: string; readonly field: keyof VmFilter }[] = [
  { type: 'Folder', prefix: 'group-', field: 'folders' },
  { type: 'Datacenter', prefix: 'datacenter-', field: 'datacenters' },
  { type: 'ClusterComputeResource', prefix: 'domain-c', field: 'clusters' },
  { type: 'HostSystem', prefix: 'host-', field: 'hosts' },
  { type: 'ResourcePool', prefix: 'resgroup-', field: 'resourcePools' },
];

/**
 * Whether a container exists: the root folder, a placement object of the default placement, or
 * one some VM is placed in (the simulator keeps no other inventory objects).
 */
function containerExists(container: MoRef, inventory: VsphereInventory): boolean {
  if (container.type === ROOT_FOLDER.type && container.value === ROOT_FOLDER.value) {
    return true;
  }
  const entry = CONTAINERS.find((candidate) => candidate.type === container.type && container.value.startsWith(candidate.prefix));
  if (entry === undefined) {
    return false;
  }
  if ((Object.values(DEFAULT_PLACEMENT) as string[]).includes(container.value)) {
    return true;
  }
  // A limit of 0 refuses as soon as one VM matches: an existence check without a scan of the matches.
  return !inventory.listVms({ [entry.field]: [container.value] }, 0).ok;
}

/** Checks the arguments of `CreateContainerView` as vCenter does; throws the fault it answers. */
export function checkContainerViewArguments(container: MoRef, types: readonly string[], inventory: VsphereInventory): void {
  if (!containerExists(container, inventory)) {
    throw vimFaults.managedObjectNotFound(container);
  }
  const unknownType = types.find((type) => !ENTITY_TYPES.has(type));
  if (unknownType !== undefined) {
    throw vimFaults.invalidArgument('type', `A specified parameter was not correct: type (${unknownType} is not a managed entity type)`);
  }
}

/**
 * The VMs a view holds now. The reference (ContainerView): "Once you have created the view,
 * the view list always represents the current configuration of the virtual environment and
 * reflects any subsequent changes that occur", so membership is computed at each use. VMs the
 * account may not read are not in it, as the Automation API's list leaves out VMs that are
 * not "visible (subject to permission checks)" (see ../account-view.ts): a view is a list
 * of what the session's user can see.
 */
export function vmsInView(view: ContainerViewRecord, inventory: VsphereInventory, account: AccountView): readonly VmRecord[] {
  if (view.types.length > 0 && !view.types.some((type) => SHOWS_VMS.has(type))) {
    return [];
  }
  const unlimited = Number.MAX_SAFE_INTEGER;
  const isRoot = view.container.type === ROOT_FOLDER.type && view.container.value === ROOT_FOLDER.value;
  const entry = CONTAINERS.find((candidate) => candidate.type === view.container.type);
  const filter: VmFilter = isRoot || entry === undefined ? {} : { [entry.field]: [view.container.value] };
  // The root folder's VMs sit below datacenter and VM folder: only a recursive view reaches them.
  if (isRoot && !view.recursive) {
    return [];
  }
  const outcome = inventory.listVms(filter, unlimited, (vmId) => account.canRead(vmId));
  return outcome.ok ? outcome.vms : [];
}
