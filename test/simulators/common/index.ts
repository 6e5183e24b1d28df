// Public surface of the shared simulator kit, reused by the vSphere, OpenStack and EC2 simulators.
export { createSimulatorServer } from './simulator-server.js';
export type { RunningServer, SimulatorServer, SimulatorServerOptions, SimulatorStats, StartOptions, TlsMaterial } from './simulator-server.js';
export { createFaultSwitch, parseFaultSpecs, FaultSpecError, FAULT_KINDS } from './fault-switch.js';
export type { ArmedFault, FaultKind, FaultPlan, FaultScope, FaultSpec, FaultSwitch, FaultTarget, FaultTrigger, TruncateStyle } from './fault-switch.js';
export { createRouteTable, routeName } from './routes.js';
export type { Route, RouteMatch, RouteTable, RouteTableOptions } from './routes.js';
export { emptyResponse, isJsonObject, jsonResponse, readJsonBody } from './http-types.js';
export type { JsonBodyResult, RouteHandler, SimRequest, SimResponse } from './http-types.js';
export { CONTROL_PREFIX, controlError } from './control-api.js';
export { createRequestCounter } from './request-counter.js';
export type { RequestCounter, RequestStats } from './request-counter.js';
export { createSeededRandom } from './random.js';
export type { RandomSource } from './random.js';
export { describeShapeDifferences } from './json-shape.js';
export type { ShapeOptions } from './json-shape.js';
export { rawRequest } from './raw-http.js';
export type { RawOutcome, RawRequestOptions } from './raw-http.js';
