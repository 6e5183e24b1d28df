// Public surface of the EC2 Query API (DescribeInstances) simulator.
export { createEc2Simulator, DEFAULT_CREDENTIALS, ec2Fault } from './simulator.js';
export type { Ec2FaultCode, Ec2Simulator, Ec2SimulatorOptions } from './simulator.js';
export { createInventory, InventoryError } from './inventory.js';
export type { Ec2Inventory, InstanceQuery, InventoryCounts, InventoryOptions, NewInstance, QueryPage, SeedDcmOptions, SeededInstance, SetStateOptions, StateReasonInput, TagInput } from './inventory.js';
export { INSTANCE_STATE_CODES, INSTANCE_STATE_NAMES, LIFECYCLE, STATE_REASONS, isInstanceStateName } from './model.js';
export type { Ec2Tag, InstanceRecord, InstanceStateName, StateReason, StateReasonName } from './model.js';
export { EC2_API_VERSION, EC2_SIGNING_SERVICE, SUPPORTED_ACTIONS } from './ec2-routes.js';
export type { Ec2Credential, UsageCounts } from './ec2-routes.js';
export { DESCRIBE_INSTANCES_PARAMS, MAX_FILTER_VALUES, MAX_RESULTS } from './describe-instances.js';
export { DESCRIBE_FAULT_ANSWERS, isDescribeFaultAnswer } from './describe-faults.js';
export type { DescribeFault, DescribeFaultAnswer } from './describe-faults.js';
export { SUPPORTED_FILTERS } from './filters.js';
export { EC2_ERRORS, Ec2Error } from './errors.js';
export type { Ec2ErrorCode } from './errors.js';
export { EC2_XMLNS } from './representation.js';
export { MAX_CLOCK_SKEW_MS, SIGV4_ALGORITHM, canonicalRequest, computeSignature, formatAmzDate, signRequest, sigv4StringToSign, verifySignature } from './sigv4.js';
export type { AwsCredentials, SignableRequest, SignOptions, SigningScope } from './sigv4.js';
