export { createBridge } from './bridge.js';
export type { Bridge, BridgeDependencies, EndpointStatus, OnceResult } from './bridge.js';
