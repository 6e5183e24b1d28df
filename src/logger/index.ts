export { createLogger, redactedPaths, logStringMaxChars, logLineMaxChars, logFallbackStringMaxChars } from './logger.js';
export type { Logger } from './logger.js';
