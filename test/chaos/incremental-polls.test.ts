import { incrementalScenarios } from './scenarios/index.js';
import { defineShortFormTests } from './short-form.js';

// The fault suite's short form under incremental polls (issue 14): the bridge SIGKILLed between publish
// and commit of polls that list only what changed, the listing cursor audited against the outbox and
// DCM's stream: it never moves past what the broker acknowledged.
defineShortFormTests('incremental-polls', incrementalScenarios);
