export { createNormalizer, platformTextMaxChars, platformDetailMaxChars, eventMessageMaxChars } from './normalize.js';
export type { Normalizer, NormalizedState, NormalizerOptions } from './normalize.js';
export { defineStateTable } from './state-table.js';
export type { StateTable } from './state-table.js';
export { vmStatuses, containerStatuses, clusterStatuses, statusesByServiceType, serviceTypes, isVmStatus } from './status.js';
export type { VmStatus, ContainerStatus, ClusterStatus, ServiceType } from './status.js';
