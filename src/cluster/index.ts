export { rendezvousOwner, rendezvousWeight } from './rendezvous.js';
export { defaultReplicaId, replicaIdPattern } from './replica-id.js';
export { redisLeaseTable, memoryLeaseTable, leaseTableOf } from './lease-table.js';
export type { LeaseTable, LeaseHolder, LeaseTake } from './lease-table.js';
export { redisMembershipTable, memoryMembershipTable } from './membership.js';
export type { MembershipTable, Members } from './membership.js';
export { createClusterCoordinator } from './coordinator.js';
export type { ClusterCoordinator, ClusterCoordinatorOptions, ReleaseReason } from './coordinator.js';
