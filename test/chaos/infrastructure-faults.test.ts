import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { markdownReport } from './report.js';
import { missedBar, runScenario, trialsOf, type ScenarioResult } from './run-scenario.js';
import { infrastructureScenarios } from './scenarios/index.js';
import { runSettings } from './settings.js';

// The fault suite's short form for faults of the bridge, its broker and its cache (issue 11):
// real redis-server, nats-server -js and the Nova simulator as processes, the bridge CLI spawned
// and killed, a few trials per scenario. `CHAOS_SEED=<n>` replays a run.
const settings = runSettings('short', process.env);
const results: ScenarioResult[] = [];

after(() => {
  mkdirSync('.tmp', { recursive: true });
  const leftOut = infrastructureScenarios.filter((scenario) => trialsOf(scenario, settings) === 0);
  writeFileSync('.tmp/chaos-report-short.md', markdownReport(results, settings, 'npm run chaos -- --short', leftOut));
});

for (const scenario of infrastructureScenarios.filter((candidate) => trialsOf(candidate, settings) > 0)) {
  test(`${scenario.name}: nothing lost, duplicated or falsely deleted, no crash, no secret (seed ${settings.seed})`, async () => {
    const result = await runScenario(scenario, settings);
    results.push(result);
    const report = `\n${markdownReport([result], settings, 'npm run chaos -- --short')}`;
    // The faults happened and the judge had states to check: a quiet run proves nothing.
    assert.ok(result.faultsMade >= result.trials, `${result.faultsMade} faults made for ${result.trials} trials${report}`);
    assert.ok(result.verdict.transitionsMade >= settings.changesPerSecond, `the churn made only ${result.verdict.transitionsMade} changes${report}`);
    assert.ok(result.verdict.statesChecked > 0, `no state was held long enough in sight to be checked${report}`);
    if (scenario.name === 'bridge-sigkill') assert.equal(result.bridgeProcesses, result.trials + 1, `one restart per kill${report}`);
    assert.deepEqual(missedBar(result), [], report);
  });
}
