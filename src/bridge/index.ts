export { createBridge } from './bridge.js';
export type { Bridge, BridgeDependencies, EndpointOwner, EndpointStatus, OnceResult } from './bridge.js';
