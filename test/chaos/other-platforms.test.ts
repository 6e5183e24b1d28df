import { otherPlatformScenarios } from './scenarios/index.js';
import { defineShortFormTests } from './short-form.js';

// The fault suite's short form on vSphere and EC2 (issue 11): per platform, one scenario whose trials
// each draw a fault of that platform's table (the bridge SIGKILLed, sessions revoked, permission-scoped
// lists; throttling, outages mid-pagination, eventual consistency, refused credentials).
defineShortFormTests('other-platforms', otherPlatformScenarios);
