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
  /** Sends one event on a subject outside `dcm.*` (bridge health), at most once. */
  announce(subject: string, body: string): Promise<void>;
  /** What DCM was told, read back from its stream; only a JetStream publisher with the recall on has it. */
  readonly history?: DeliveredHistory;
  /** True when the broker connection is up. */
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * At most `limit` tasks in flight across every caller: concurrent batches
 * share one window, so the broker is kept busy between them (a bounded
 * pipeline rather than stop-and-wait per batch). Tasks start in call order.
 */
export interface SharedWindow {
  run<Result>(task: () => Promise<Result>): Promise<Result>;
}

/** Creates a {@link SharedWindow} of `limit` slots. */
export function createSharedWindow(limit: number): SharedWindow {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  return {
    async run(task) {
      if (inFlight < limit) inFlight++;
      // The releasing task hands its slot over directly, so the count never dips between them.
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
