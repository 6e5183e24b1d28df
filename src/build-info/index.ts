export { readBuildInfo, formatBuildInfo, isCommitId, ownBuildLocation, buildInfoFileName } from './build-info.js';
export type { BuildInfo, BuildLocation } from './build-info.js';
export { recordBuildInfo, gitHead, buildCommitVariable } from './record.js';
export type { RecordBuildInfoOptions } from './record.js';
