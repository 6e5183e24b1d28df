import { CloudEvent } from 'cloudevents';
import type { Logger } from 'pino';
import type { Clock } from '../clock/index.js';
import { eventIdNamespace, uuidV5, type EventPublisher } from '../publisher/index.js';
import { judgeEndpointHealth, type HealthState, type PollHistory } from './endpoint-health.js';

/** CloudEvent type of endpoint health changes. */
export const endpointHealthEventType = 'dcm.bridge.endpoint.health';

export interface HealthAnnouncerOptions {
  readonly publisher: Pick<EventPublisher, 'announce'>;
  /** Outside `dcm.*` (the config refuses anything else). */
  readonly subject: string;
  readonly providerName: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Publishes a `dcm.bridge.endpoint.health` CloudEvent whenever an endpoint's
 * three-state health differs from the one last announced (the first verdict
 * after a poll included). Announcements are at most once: a broker failure
 * is logged and never fails a poll. One the publisher refused (the broker
 * away) does not count as announced, so the next poll's verdict is
 * announced when the broker is back, unless the health is again what was
 * last announced.
 */
export interface HealthAnnouncer {
  /** Called after every settled poll of `endpoint`. */
  observe(endpoint: string, history: PollHistory): Promise<void>;
  /** The endpoint is gone; a later endpoint of that name starts afresh. */
  forget(endpoint: string): void;
}

export function createHealthAnnouncer(options: HealthAnnouncerOptions): HealthAnnouncer {
  const announced = new Map<string, HealthState>();
  return {
    async observe(endpoint, history) {
      const verdict = judgeEndpointHealth(history);
      const previous = announced.get(endpoint);
      if (previous === verdict.state) return;
      announced.set(endpoint, verdict.state);
      const at = options.clock.now();
      const event = new CloudEvent({
        specversion: '1.0',
        // Unlike a status event's id this one includes the clock: it names one announcement, not a transition.
        // Announcements go over core NATS and are never retried, so there is no copy for a subscriber to drop.
        id: uuidV5(['health', endpoint, String(at), verdict.state].join('\u0000'), eventIdNamespace),
        source: `dcm/providers/${options.providerName}`,
        type: endpointHealthEventType,
        subject: `endpoints/${endpoint}`,
        time: new Date(at).toISOString(),
        datacontenttype: 'application/json',
        data: {
          endpoint,
          status: verdict.state,
          previous_status: previous ?? null,
          reason: verdict.reason,
          consecutive_failures: history.consecutiveFailures,
          last_success_time: history.lastSuccessAt !== undefined ? new Date(history.lastSuccessAt).toISOString() : null,
        },
      });
      try {
        await options.publisher.announce(options.subject, JSON.stringify(event));
        options.logger.info({ endpoint, health: verdict.state, previous }, `endpoint ${endpoint} is ${verdict.state}`);
      } catch (error) {
        options.logger.warn({ err: error, endpoint, subject: options.subject }, 'announcing endpoint health failed');
        // Unless a later verdict was recorded meanwhile.
        if (announced.get(endpoint) === verdict.state) {
          if (previous === undefined) announced.delete(endpoint);
          else announced.set(endpoint, previous);
        }
      }
    },
    forget: (endpoint) => {
      announced.delete(endpoint);
    },
  };
}
