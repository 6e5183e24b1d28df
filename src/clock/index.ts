export { createSystemClock, maxTimerDelayMs, normalizeDelayMs, sleepOn } from './clock.js';
export type { Clock, TimerHandle, HostTimers } from './clock.js';
