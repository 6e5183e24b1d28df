export { createSystemClock, maxTimerDelayMs, normalizeDelayMs } from './clock.js';
export type { Clock, TimerHandle, HostTimers } from './clock.js';
export { createFakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
