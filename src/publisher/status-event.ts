import { uuidV5 } from './uuid-v5.js';
import type { ServiceType } from '../normalize/index.js';

/**
 * Namespace of the bridge's v5 event ids. Fixed forever: changing it changes
 * every id, and a retried event would no longer be recognised as a duplicate.
 */
export const eventIdNamespace = '6f1d0c4e-8a39-5b2e-9c51-2d6b0f3a7e14';

/** The facts one status event is built from. */
export interface StatusEventInput {
  readonly providerName: string;
  readonly endpoint: string;
  readonly platform: string;
  readonly serviceType: ServiceType;
  readonly platformId: string;
  /** DCM instance id; becomes `data.id`. */
  readonly instanceId: string;
  readonly status: string;
  readonly previousStatus: string | undefined;
  readonly message: string;
  /** Epoch ms when the state was observed; becomes `time`. */
  readonly observedAt: number;
  /** The instance's transition sequence; part of the id. */
  readonly sequence: number;
  /** The cache epoch the transition was decided in; part of the id, so ids never repeat after a cache loss. */
  readonly epoch: string;
  /** Set on resync re-publications: a fresh id per resync round, so the broker does not drop it. */
  readonly resyncRound?: number;
}

/** A serialized event ready for the broker. */
export interface OutgoingEvent {
  /** NATS subject: `dcm.{serviceType}`. */
  readonly subject: string;
  /** CloudEvent id, also sent as `Nats-Msg-Id`. */
  readonly id: string;
  /** The structured-mode JSON of the CloudEvent. */
  readonly body: string;
}

/**
 * The event id, a function of the event's content (invariant 2): UUID v5 of
 * endpoint, platform instance, DCM id, the transition (sequence, status,
 * previous status) and the cache epoch, plus the round for resyncs. The same
 * transition retried keeps its id, so JetStream's duplicate window drops the
 * copy; a different transition never reuses one, not even after a cache loss
 * (the epoch changes) or an A→B→A flap (the sequence moves on).
 */
export function statusEventId(input: Pick<StatusEventInput, 'endpoint' | 'platformId' | 'instanceId' | 'sequence' | 'status' | 'previousStatus' | 'epoch' | 'resyncRound'>): string {
  const parts = [input.endpoint, input.platformId, input.instanceId, String(input.sequence), input.status, input.previousStatus ?? '', input.epoch];
  if (input.resyncRound !== undefined) parts.push('resync', String(input.resyncRound));
  return uuidV5(parts.join('\u0000'), eventIdNamespace);
}

/**
 * Builds the CloudEvent exactly as DCM consumes it (shared/DESIGN.md, "Contracts"),
 * with the bridge's extensions, which DCM ignores. The structured-mode JSON is
 * written directly, in the attribute order the `cloudevents` library
 * serialises: constructing its `CloudEvent` validates every event against the
 * spec's JSON schema, a cost a storm pays per event. A test holds this to
 * the library's own output, byte for byte, and to its validation.
 */
export function buildStatusEvent(input: StatusEventInput): OutgoingEvent {
  const id = statusEventId(input);
  const subject = `dcm.${input.serviceType}`;
  const event: Record<string, unknown> = {
    id,
    time: isoTime(input.observedAt),
    type: `dcm.status.${input.serviceType}`,
    source: `dcm/providers/${input.providerName}`,
    specversion: '1.0',
    datacontenttype: 'application/json',
    subject,
    data: { id: input.instanceId, status: input.status, message: input.message },
    dcmendpoint: input.endpoint,
    dcmplatform: input.platform,
    dcmplatformid: input.platformId,
    dcmresync: input.resyncRound !== undefined,
  };
  if (input.previousStatus) event['dcmpreviousstatus'] = input.previousStatus;
  return { subject, id, body: JSON.stringify(event) };
}

/**
 * `observedAt` as an ISO 8601 time. Every event of a poll carries the poll's
 * start, so the last one written is kept: `toISOString` costs about 0.5 µs,
 * a storm writes 100,000 of them. A memo of a pure function; nothing else
 * reads it.
 */
function isoTime(observedAt: number): string {
  if (observedAt !== lastTime.at) lastTime = { at: observedAt, text: new Date(observedAt).toISOString() };
  return lastTime.text;
}
let lastTime = { at: Number.NaN, text: '' };

/** One instance's state as a status event in DCM's stream told it. */
export interface DeliveredState {
  readonly endpoint: string;
  readonly platformId: string;
  readonly instanceId: string;
  readonly status: string;
  readonly message: string;
  /** The event's `time`: when the state was observed. */
  readonly observedTime: string;
}

/**
 * Reads back a status event this bridge built (see {@link buildStatusEvent}),
 * or undefined for anything else: another provider's event (`source` differs),
 * a body that is not JSON, or one without the bridge's extensions. Never throws:
 * a stream holds whatever anyone published on `dcm.*`.
 */
export function readStatusEvent(body: string, providerName: string): DeliveredState | undefined {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  const fields = event as Record<string, unknown>;
  const data = fields['data'] as Record<string, unknown> | null | undefined;
  const text = (value: unknown): value is string => typeof value === 'string' && value !== '';
  if (fields['source'] !== `dcm/providers/${providerName}` || typeof data !== 'object' || data === null) return undefined;
  const { dcmendpoint: endpoint, dcmplatformid: platformId, time: observedTime } = fields;
  const { id: instanceId, status, message } = data;
  if (!text(endpoint) || !text(platformId) || !text(observedTime) || !text(instanceId) || !text(status)) return undefined;
  return { endpoint, platformId, instanceId, status, message: typeof message === 'string' ? message : '', observedTime };
}
