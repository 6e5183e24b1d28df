import { infrastructureScenarios } from './scenarios/index.js';
import { defineShortFormTests } from './short-form.js';

// The fault suite's short form for faults of the bridge, its broker and its cache (issue 11):
// real redis-server, nats-server -js and the Nova simulator as processes, the bridge CLI spawned
// and killed, a few trials per scenario.
defineShortFormTests('infrastructure', infrastructureScenarios);
