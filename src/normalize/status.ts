/**
 * DCM's generic status enums (see shared/context/sp-status-reporting-cloudevents).
 * Only the VM enum is produced today; the container and cluster enums exist so
 * that adapters for those service types can be added without touching the core.
 */

export const vmStatuses = ['PROVISIONING', 'RUNNING', 'STOPPED', 'FAILED', 'DELETED', 'DELETING', 'PAUSED', 'STOPPING'] as const;
export type VmStatus = (typeof vmStatuses)[number];

export const containerStatuses = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'UNKNOWN', 'DELETED'] as const;
export type ContainerStatus = (typeof containerStatuses)[number];

export const clusterStatuses = ['CREATING', 'ACTIVE', 'UPDATING', 'DEGRADED', 'DELETED'] as const;
export type ClusterStatus = (typeof clusterStatuses)[number];

/** The service types DCM routes on (`dcm.{serviceType}`), each with its status enum. */
export const statusesByServiceType = {
  vm: vmStatuses,
  container: containerStatuses,
  cluster: clusterStatuses,
} as const;

export type ServiceType = keyof typeof statusesByServiceType;
export const serviceTypes = Object.keys(statusesByServiceType) as ServiceType[];

/** True when `value` is one of the VM statuses. */
export function isVmStatus(value: unknown): value is VmStatus {
  return typeof value === 'string' && (vmStatuses as readonly string[]).includes(value);
}
