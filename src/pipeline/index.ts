export { createEndpointPoller } from './endpoint-poller.js';
export type { EndpointPoller, EndpointPollerOptions, PollReport } from './endpoint-poller.js';
