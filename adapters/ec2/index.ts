/** The AWS EC2 platform adapter; see README.md beside this file. */
export { createEc2Adapter } from './adapter.js';
export type { Ec2AdapterOptions } from './adapter.js';
export { ec2StateTable, stateReasonQualifiers, rawStateOf } from './state-table.js';
export { ec2ConfigSchema, validateEc2Endpoint } from './config-schema.js';
// The light entry point: what the registry imports before any EC2 endpoint polls.
export { describeEc2Platform } from './platform.js';
export type { Ec2Options, Ec2Credentials } from './config-schema.js';
export { accountKeyOf, credentialSourceFor } from './credentials.js';
export type { CredentialSettings } from './credentials.js';
export { createTokenBucket, createAccountBuckets, defaultBucketSettings } from './token-bucket.js';
export type { TokenBucket, TokenBucketSettings, AccountBuckets } from './token-bucket.js';
export { createRetryStrategy, defaultRetryPolicy, requestTimeoutsFor, retryDelayMs, worstCaseRetryDelayMs } from './retry-strategy.js';
export type { RetryPolicy, RequestTimeouts } from './retry-strategy.js';
export { listManagedInstances, selectorFilters, toRawInstance, carriesSelector, checkDescribePage, maxPageSize } from './listing.js';
export type { AnswerScope, DescribePage, ListingOptions } from './listing.js';
export { confirmInstancesAbsent, findingForInstance, absenceVerdictByState, maxIdsPerConfirmCall } from './absence.js';
export type { AbsenceOptions, AbsenceReport } from './absence.js';
export { answerProblem, addAnswerCheck, describeAnswerOf } from './answer-check.js';
export { nextTokenHintOf, parseDescribeInstancesXml } from './describe-parser.js';
export type { ParsedDescribeInstances } from './describe-parser.js';
export type { AnswerCheckScope, DescribeAnswer, RawAnswer } from './answer-check.js';
export { toBridgeError } from './errors.js';
