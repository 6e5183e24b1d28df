export { buildStatusEvent, statusEventId, eventIdNamespace, readStatusEvent } from './status-event.js';
export { uuidV5 } from './uuid-v5.js';
export type { StatusEventInput, OutgoingEvent, DeliveredState } from './status-event.js';
export { createStreamHistory } from './stream-history.js';
export type { DeliveredHistory, StreamHistoryOptions } from './stream-history.js';
export { createNatsPublisher, dcmSubjects } from './nats-publisher.js';
export type { NatsPublisherOptions } from './nats-publisher.js';
export { createStdoutPublisher } from './stdout-publisher.js';
export type { EventPublisher, PublishOutcome } from './publisher.js';
