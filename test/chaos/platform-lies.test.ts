import { platformLieScenarios } from './scenarios/platform-lies.js';
import { defineShortFormTests } from './short-form.js';

// The fault suite's short form for platform lies (issue 11): pages without their next link, servers without
// their tags, down cells, flapping, unknown statuses, invalid and duplicate DCM ids, huge payloads; one mixed
// scenario whose trials each draw a kind from the table in scenarios/platform-lies.ts.
defineShortFormTests('platform-lies', platformLieScenarios);
