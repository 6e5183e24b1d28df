export { createMetrics } from './metrics.js';
export type { BridgeMetrics } from './metrics.js';
export { promClientClasses } from './metrics.js';
