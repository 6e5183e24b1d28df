export { createMetrics, labelValue } from './metrics.js';
export type { BridgeMetrics, MetricsBuild, MetricsOptions } from './metrics.js';
export { promClientClasses } from './metrics.js';
