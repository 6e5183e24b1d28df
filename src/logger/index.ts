export { createLogger, redactedPaths } from './logger.js';
export type { Logger } from './logger.js';
