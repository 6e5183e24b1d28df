/** The `npm run demo` pieces, for reuse and tests; `cli.ts` runs them. */
export { runDemo, demoSetup, demoPlatforms } from './demo.js';
export type { DemoIo } from './demo.js';
export { demoEnvironment } from './demo-config.js';
export type { DemoConfigOptions } from './demo-config.js';
export { startStateChurn } from './churn.js';
export type { StateChurn, StateChurnOptions } from './churn.js';
export { vsphereDemoPlatform, openstackDemoPlatform, ec2DemoPlatform, demoPlatformSize } from './platforms.js';
export type { DemoPlatform, StartedDemoPlatform } from './platforms.js';
export { tapDcmSubjects } from './nats-tap.js';
export type { NatsTap } from './nats-tap.js';
