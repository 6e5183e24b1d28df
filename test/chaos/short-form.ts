import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { markdownReport } from './report.js';
import { missedBar, runScenario, trialsOf, type ScenarioResult } from './run-scenario.js';
import type { Scenario } from './scenario.js';
import { runSettings } from './settings.js';

/**
 * Declares one node:test test per scenario of `group` that is in the short
 * form, each asserting the issue's bar (nothing lost, duplicated or falsely
 * deleted, no crash, no secret, converged) and that the run did something
 * (faults made, changes made, states checked). After the tests the group's
 * report is written to `.tmp/chaos-report-short-<groupName>.md`.
 * `CHAOS_SEED=<n>` replays a run.
 *
 * Two scenarios of a group run at once, each on its own stack: a short-form
 * scenario mostly waits (pauses between trials, convergence, quiet
 * intervals), and the whole short form must fit in `npm test`'s few minutes.
 */
export function defineShortFormTests(groupName: string, group: readonly Scenario[]): void {
  const settings = runSettings('short', process.env);
  const results: ScenarioResult[] = [];

  after(() => {
    mkdirSync('.tmp', { recursive: true });
    const leftOut = group.filter((scenario) => trialsOf(scenario, settings) === 0);
    writeFileSync(`.tmp/chaos-report-short-${groupName}.md`, markdownReport(results, settings, 'npm run chaos -- --short', leftOut));
  });

  describe(`fault suite, short form: ${groupName}`, { concurrency: 2 }, () => {
    for (const scenario of group.filter((candidate) => trialsOf(candidate, settings) > 0)) {
      test(`${scenario.name}: nothing lost, duplicated or falsely deleted, no crash, no secret (seed ${settings.seed})`, async () => {
        const result = await runScenario(scenario, settings);
        results.push(result);
        const report = `\n${markdownReport([result], settings, 'npm run chaos -- --short')}`;
        // The faults happened and the judge had states to check: a quiet run proves nothing.
        assert.ok(result.faultsMade >= result.trials, `${result.faultsMade} faults made for ${result.trials} trials${report}`);
        assert.ok(result.verdict.transitionsMade >= settings.changesPerSecond, `the churn made only ${result.verdict.transitionsMade} changes${report}`);
        assert.ok(result.verdict.statesChecked > 0, `no state was held long enough in sight to be checked${report}`);
        if (scenario.name === 'bridge-sigkill' || scenario.name.endsWith('-incremental-sigkill')) assert.equal(result.bridgeProcesses, result.trials + 1, `one restart per kill${report}`);
        assert.deepEqual(missedBar(result), [], report);
      });
    }
  });
}
