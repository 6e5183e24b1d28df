/**
 * Reading the bridge's CloudEvents (structured JSON mode) and saying each in
 * one human line. Depends on nothing, so a consumer can copy it as is.
 */

/** The CloudEvent attributes every event carries, plus whatever else it has. */
export interface CloudEventFields extends Record<string, unknown> {
  readonly specversion: string;
  readonly id: string;
  readonly type: string;
  readonly source: string;
}

/** A message body as a CloudEvent, or the reason it is not one (a stream may hold anything anyone published). */
export function readCloudEvent(body: string): { readonly event: CloudEventFields } | { readonly problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'not a JSON object' };
  const fields = parsed as Record<string, unknown>;
  const missing = ['specversion', 'id', 'type', 'source'].filter((name) => typeof fields[name] !== 'string' || fields[name] === '');
  if (missing.length > 0) return { problem: `not a CloudEvent: no ${missing.join(', ')}` };
  return { event: fields as CloudEventFields };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const transition = (previous: unknown, current: unknown): string => `${text(previous) ? `${text(previous)} → ` : ''}${text(current) ?? '?'}`;

/**
 * One line for an event, e.g. `vm inst-00301 RUNNING → STOPPED (vc-demo)` or
 * `endpoint os-demo unhealthy → unavailable: 3 consecutive polls failed; …`.
 * DELETED and FAILED carry the bridge's message (the platform's evidence);
 * a resync re-publication says so. Anything else: its type and id.
 */
export function describeEvent(event: CloudEventFields): string {
  const data = typeof event['data'] === 'object' && event['data'] !== null ? (event['data'] as Record<string, unknown>) : {};
  const statusType = /^dcm\.status\.(.+)$/.exec(event.type);
  if (statusType) {
    const where = [text(event['dcmendpoint']), event['dcmresync'] === true ? 'resync' : undefined].filter(Boolean).join(', ');
    const status = text(data['status']);
    const why = (status === 'DELETED' || status === 'FAILED') && text(data['message']) ? `: ${text(data['message'])}` : '';
    return `${statusType[1]} ${text(data['id']) ?? '?'} ${transition(event['dcmpreviousstatus'], status)}${where ? ` (${where})` : ''}${why}`;
  }
  if (event.type === 'dcm.bridge.endpoint.health') {
    return `endpoint ${text(data['endpoint']) ?? '?'} ${transition(data['previous_status'], data['status'])}${text(data['reason']) ? `: ${text(data['reason'])}` : ''}`;
  }
  return `${event.type} ${event.id}`;
}
