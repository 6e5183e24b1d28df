import type { Scenario } from '../scenario.js';
import { incrementalScenarios } from './incremental.js';
import { infrastructureScenarios } from './infrastructure.js';
import { otherPlatformScenarios } from './other-platforms.js';
import { platformFaultScenarios } from './platform-faults.js';
import { platformLieScenarios } from './platform-lies.js';

/** Every scenario of `npm run chaos`, in the order the table lists them; a new group joins with one line. */
export const allScenarios: readonly Scenario[] = [...infrastructureScenarios, ...platformFaultScenarios, ...otherPlatformScenarios, ...platformLieScenarios, ...incrementalScenarios];

export { incrementalScenarios, infrastructureScenarios, otherPlatformScenarios };
