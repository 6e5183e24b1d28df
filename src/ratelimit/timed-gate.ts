import type { Clock } from '../clock/index.js';
import type { RequestGate } from './gate.js';

/**
 * `gate`, telling `onWaited` how long each `take` held its caller back
 * (whether it got its token or its signal aborted first). The bridge adds
 * these up per poll: a poll that spends most of its time waiting for its
 * account's request budget sees every state that much later, and an operator
 * can only raise the limit (or poll less) once that wait is visible.
 */
export function timedGate(gate: RequestGate, clock: Clock, onWaited: (waitedMs: number) => void): RequestGate {
  return {
    async take(signal) {
      const startedAt = clock.now();
      try {
        await gate.take(signal);
      } finally {
        onWaited(Math.max(0, clock.now() - startedAt));
      }
    },
    drain: () => gate.drain(),
  };
}
