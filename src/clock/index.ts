export { createSystemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { createFakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
