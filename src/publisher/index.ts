export { buildStatusEvent, statusEventId, eventIdNamespace } from './status-event.js';
export type { StatusEventInput, OutgoingEvent } from './status-event.js';
export { createNatsPublisher, dcmSubjects } from './nats-publisher.js';
export type { NatsPublisherOptions } from './nats-publisher.js';
export { createStdoutPublisher } from './stdout-publisher.js';
export { mapBounded } from './publisher.js';
export type { EventPublisher, PublishOutcome } from './publisher.js';
