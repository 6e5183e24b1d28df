/** The `npm run demo` pieces, for reuse and tests; `cli.ts` runs them. */
export { runDemo, demoSetup } from './demo.js';
export type { DemoIo } from './demo.js';
export { demoEnvironment } from './demo-config.js';
export type { DemoConfigOptions } from './demo-config.js';
export { startPowerChurn } from './churn.js';
export type { PowerChurn, PowerChurnOptions } from './churn.js';
export { tapDcmSubjects } from './nats-tap.js';
export type { NatsTap } from './nats-tap.js';
