import { createHash } from 'node:crypto';
import { VIRTUAL_MACHINE_TYPE, type CategoryRecord, type TagRecord, type VmRecord } from './model.js';

/** `Vcenter.VM.Summary`, an item of `GET /vcenter/vm`. */
export function vmSummary(vm: VmRecord): Record<string, unknown> {
  return { vm: vm.id, name: vm.name, power_state: vm.powerState, cpu_count: vm.cpuCount, memory_size_MiB: vm.memorySizeMiB };
}

/** A stable UUID derived from a text, so a VM keeps its BIOS and instance UUIDs. */
function uuidFrom(text: string): string {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * How device collections (disks, nics…) are written: `/api` sends maps keyed by
 * device id (`{}`), `/rest` sends key/value lists (`[]`). The simulator models no
 * devices, so both are empty.
 */
export type DeviceCollectionStyle = 'map' | 'keyValueList';

const DEVICE_COLLECTIONS = ['disks', 'nics', 'cdroms', 'floppies', 'parallel_ports', 'serial_ports', 'sata_adapters', 'scsi_adapters'] as const;

/** `Vcenter.VM.Info`, the answer of `GET /vcenter/vm/{vm}`. Optional fields the simulator has no value for are left out, as vCenter does. */
export function vmInfo(vm: VmRecord, style: DeviceCollectionStyle): Record<string, unknown> {
  const devices = Object.fromEntries(DEVICE_COLLECTIONS.map((name) => [name, style === 'map' ? {} : []]));
  return {
    guest_OS: vm.guestOs,
    name: vm.name,
    identity: { name: vm.name, bios_uuid: uuidFrom(`bios:${vm.id}`), instance_uuid: uuidFrom(`instance:${vm.id}`) },
    power_state: vm.powerState,
    instant_clone_frozen: false,
    hardware: { version: 'VMX_19', upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
    boot: { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false },
    boot_devices: [],
    cpu: { count: vm.cpuCount, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false },
    memory: { size_MiB: vm.memorySizeMiB, hot_add_enabled: false },
    ...devices,
  };
}

/** `Vcenter.Vm.Power.Info`; `clean_power_off` is only relevant, and only sent, when powered off. */
export function powerInfo(vm: VmRecord): Record<string, unknown> {
  return vm.powerState === 'POWERED_OFF' ? { state: vm.powerState, clean_power_off: true } : { state: vm.powerState };
}

/** `Cis.Tagging.CategoryModel`. */
export function categoryModel(category: CategoryRecord): Record<string, unknown> {
  return {
    id: category.id,
    name: category.name,
    description: category.description,
    cardinality: category.cardinality,
    associable_types: [...category.associableTypes],
    used_by: [],
  };
}

/** `Cis.Tagging.TagModel`. */
export function tagModel(tag: TagRecord): Record<string, unknown> {
  return { id: tag.id, category_id: tag.categoryId, name: tag.name, description: tag.description, used_by: [] };
}

/** `vapi.std.DynamicID` of a VM. */
export function vmDynamicId(vmId: string): { type: string; id: string } {
  return { type: VIRTUAL_MACHINE_TYPE, id: vmId };
}
