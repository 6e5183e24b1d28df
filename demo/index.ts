/** The `npm run demo` pieces, for reuse and tests; `cli.ts` runs them. */
export { runDemo, demoSetup, demoPlatforms } from './demo.js';
export type { DemoIo } from './demo.js';
export { demoEnvironment } from './demo-config.js';
export type { DemoConfigOptions } from './demo-config.js';
export { startStateChurn } from './churn.js';
export type { StateChurn, StateChurnOptions } from './churn.js';
export { vsphereDemoPlatform, openstackDemoPlatform, ec2DemoPlatform, demoPlatformSize } from './platforms.js';
export type { DemoPlatform, StartedDemoPlatform } from './platforms.js';
export { createDemoClock } from './demo-clock.js';
export { parseDemoArgs, demoUsage } from './options.js';
export type { DemoOptions } from './options.js';
export { createEventPrinter } from './event-printer.js';
export type { EventPrinter } from './event-printer.js';
export { startDemoStory } from './story.js';
export type { DemoStory, DemoStoryOptions } from './story.js';
export { startThrowawayNats, ensureDemoStream } from './nats-broker.js';
export type { DemoBroker } from './nats-broker.js';
