import type { Scenario } from '../scenario.js';
import { infrastructureScenarios } from './infrastructure.js';
import { platformFaultScenarios } from './platform-faults.js';
import { otherPlatformScenarios } from './other-platforms.js';

/** Every scenario of `npm run chaos`, in the order the table lists them; a new group joins with one line. */
export const allScenarios: readonly Scenario[] = [...infrastructureScenarios, ...platformFaultScenarios, ...otherPlatformScenarios];

export { infrastructureScenarios, otherPlatformScenarios };
