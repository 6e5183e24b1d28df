import type { OutgoingEvent } from './status-event.js';
import type { DeliveredHistory } from './stream-history.js';

/** The broker's verdict on one event. */
export type PublishOutcome = { readonly ok: true; readonly duplicate: boolean } | { readonly ok: false; readonly error: Error };

/**
 * Sends events to the broker. `publish` never throws for a single event's
 * failure: it answers one outcome per event, in order, so the caller commits
 * exactly the acknowledged ones.
 */
export interface EventPublisher {
  /** `jetstream` acknowledges durably; `core` and `stdout` only confirm the write. */
  readonly guarantee: 'jetstream' | 'core' | 'stdout';
  publish(events: readonly OutgoingEvent[]): Promise<PublishOutcome[]>;
  /** Sends one event on a subject outside `dcm.*` (bridge health), at most once; rejects when it certainly cannot leave (no broker, or its link down). */
  announce(subject: string, body: string): Promise<void>;
  /** What DCM was told, read back from its stream; only a JetStream publisher with the recall on has it. */
  readonly history?: DeliveredHistory;
  /** True when the broker connection is up. */
  isConnected(): boolean;
  /**
   * Calls `listener` each time the broker connection comes up: the first
   * connect and every reconnect. `listener` must not throw. Absent where
   * there is no link to lose (stdout).
   */
  onLinkUp?(listener: () => void): void;
  close(): Promise<void>;
}
