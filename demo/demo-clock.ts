import { createSystemClock, type Clock } from '../src/clock/index.js';

/**
 * The demo's clock: real time, or real time run `speed` times fast. The
 * bridge, the churn and the story all read it, so at `--speed 20` the bridge
 * still sees (and keeps) its 10 s intervals and floors in demo time while a
 * whole story takes seconds of wall time: how the tests watch the demo, and
 * a quick look for a reader. Event times are demo time too.
 */
export function createDemoClock(speed: number): Clock {
  if (speed === 1) return createSystemClock();
  const startedAt = Date.now();
  return createSystemClock({
    now: () => startedAt + (Date.now() - startedAt) * speed,
    setTimeout: (callback, delayMs) => setTimeout(callback, delayMs / speed),
    clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
  });
}
