import type { Clock } from '../clock/index.js';
import type { RequestGate } from './gate.js';

/**
 * Times the stretches during which at least one of an endpoint's requests
 * waits for its account's request budget. Overlapping waits (requests in
 * flight together) count once: the figure is how much of the endpoint's
 * time the limit held it back, never more than the time that passed.
 */
export interface WaitTimer {
  /** Runs `wait`, counting the time it takes toward the current stretch. */
  around<T>(wait: () => Promise<T>): Promise<T>;
}

/** A {@link WaitTimer} that tells `onWaited` the length of each stretch when it ends. */
export function createWaitTimer(clock: Clock, onWaited: (waitedMs: number) => void): WaitTimer {
  let waiting = 0;
  let stretchStartedAt = 0;
  return {
    async around(wait) {
      if (waiting++ === 0) stretchStartedAt = clock.now();
      try {
        return await wait();
      } finally {
        if (--waiting === 0) onWaited(Math.max(0, clock.now() - stretchStartedAt));
      }
    },
  };
}

/**
 * `gate`, with each `take` (granted or aborted) timed by `timer`. The bridge
 * adds these up per poll: a poll that spends most of its time waiting for
 * its account's request budget sees every state that much later, and an
 * operator can only raise the limit (or poll less) once that wait is visible.
 */
export function timedGate(gate: RequestGate, timer: WaitTimer): RequestGate {
  return {
    take: (signal) => timer.around(() => gate.take(signal)),
    drain: () => gate.drain(),
  };
}
