export { createMetrics } from './metrics.js';
export type { BridgeMetrics } from './metrics.js';
