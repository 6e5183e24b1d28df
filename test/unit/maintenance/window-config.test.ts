// maintenanceWindows in YAML and in the registration API: validated the same way, each problem
// named at its key path, and shown back by the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { isBridgeError } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 0 })]);
const load = (windows: string) =>
  loadConfig({
    yaml: { text: `cache: { url: "" }\nendpoints:\n  - name: lab\n    platform: file\n    file: /tmp/none.json\n    credentials: { token: t }\n    maintenanceWindows: ${windows}\n`, origin: 'test' },
    env: {},
    adapters,
  });

function issuesOf(windows: string): Array<{ path: string; message: string }> {
  try {
    load(windows);
  } catch (error) {
    if (isBridgeError(error) && Array.isArray(error.context.issues)) return error.context.issues as Array<{ path: string; message: string }>;
    throw error;
  }
  assert.fail(`accepted: ${windows}`);
}

test('a valid list loads with defaults applied (timeZone UTC, pausePolling false)', () => {
  const { config } = load('[{ cron: "0 2 * * SAT", duration: "2h" }, { cron: "30 23 * * *", duration: "90m", timeZone: Europe/Berlin, pausePolling: true }]');
  assert.deepEqual(config.endpoints[0]?.maintenanceWindows, [
    { cron: '0 2 * * SAT', duration: '2h', timeZone: 'UTC', pausePolling: false },
    { cron: '30 23 * * *', duration: '90m', timeZone: 'Europe/Berlin', pausePolling: true },
  ]);
  assert.equal(load('[]').config.endpoints[0]?.maintenanceWindows, undefined, 'an empty list is no windows');
});

test('every problem is named at its key path, all at once', () => {
  const issues = issuesOf('[{ cron: "0 2 * *", duration: "2 hours", timeZone: Mars/Olympus, pausePolling: "yes" }, { cron: "0 0 31 2 *", duration: "30m", colour: red }, { duration: "1h" }, "daily"]');
  const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
  assert.match(byPath['endpoints[0].maintenanceWindows[0].cron'] ?? '', /five fields/);
  assert.match(byPath['endpoints[0].maintenanceWindows[0].duration'] ?? '', /hours and\/or minutes/);
  assert.match(byPath['endpoints[0].maintenanceWindows[0].timeZone'] ?? '', /IANA time zone/);
  assert.match(byPath['endpoints[0].maintenanceWindows[0].pausePolling'] ?? '', /true or false/);
  assert.match(byPath['endpoints[0].maintenanceWindows[1].cron'] ?? '', /never matches a date/);
  assert.match(byPath['endpoints[0].maintenanceWindows[1].colour'] ?? '', /unknown key/);
  assert.match(byPath['endpoints[0].maintenanceWindows[2].cron'] ?? '', /is required/);
  assert.match(byPath['endpoints[0].maintenanceWindows[3]'] ?? '', /must be a map/);
  assert.match(issuesOf('{ cron: "0 2 * * *" }')[0]?.message ?? '', /must be a list/);
  assert.match(issuesOf('[{ cron: "* * * * * *", duration: "1h" }]')[0]?.message ?? '', /five fields/, 'a seconds field is refused');
});
