export { createEndpointPoller } from './endpoint-poller.js';
export type { EndpointPoller, EndpointPollerOptions, PollReport } from './endpoint-poller.js';
export { createDelivery, deliveryChunkSize } from './delivery.js';
export type { Delivery, DeliveryOptions, DeliveryStream, DeliveredCounts } from './delivery.js';
