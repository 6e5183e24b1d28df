import { platformFaultScenarios } from './scenarios/platform-faults.js';
import { defineShortFormTests } from './short-form.js';

// The fault suite's short form for platform faults (issue 11): 5xx, 429 with and without Retry-After,
// timeouts, cut and garbled bodies, pages failing mid-listing, revoked tokens, the endpoint down;
// one mixed scenario whose trials each draw a kind from the table in scenarios/platform-faults.ts.
defineShortFormTests('platform-faults', platformFaultScenarios);
