#!/usr/bin/env node
/**
 * `npm run chaos`: the fault suite's full form (or `--short`), scenario by
 * scenario, printing the results table and writing it with the findings to
 * `.tmp/chaos-report.md` (`.tmp/chaos-report-short.md` for the short form),
 * and each scenario's findings to `report.md` beside its artifacts. Exit code 1 when any scenario misses the bar or could not run (a scenario
 * that throws is reported and the run goes on). Environment: CHAOS_SEED,
 * CHAOS_TRIALS, CHAOS_SCENARIOS, CHAOS_INSTANCES, CHAOS_RATE,
 * CHAOS_INTERVAL_SECONDS (see settings.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { markdownReport, resultsTable } from './report.js';
import { missedBar, runScenario, trialsOf, type ScenarioResult } from './run-scenario.js';
import { allScenarios } from './scenarios/index.js';
import { runSettings, selectedScenarios } from './settings.js';

async function main(): Promise<number> {
  const form = process.argv.includes('--short') ? 'short' : 'full';
  const settings = runSettings(form, process.env);
  const selected = selectedScenarios(process.env);
  const unknown = [...(selected ?? [])].filter((name) => !allScenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new Error(`CHAOS_SCENARIOS names no scenario: ${unknown.join(', ')} (known: ${allScenarios.map((scenario) => scenario.name).join(', ')})`);
  // A scenario named in CHAOS_SCENARIOS runs even in a form it is not part of (one trial unless CHAOS_TRIALS says more).
  const scenarios = selected
    ? allScenarios.filter((scenario) => selected.has(scenario.name)).map((scenario) => (trialsOf(scenario, settings) > 0 ? scenario : { ...scenario, trials: { ...scenario.trials, [form]: 1 } }))
    : allScenarios.filter((scenario) => trialsOf(scenario, settings) > 0);
  const log = (line: string): void => void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(`${form} form, seed ${settings.seed}: ${scenarios.map((scenario) => scenario.name).join(', ')}`);

  const command = `npm run chaos${form === 'short' ? ' -- --short' : ''}`;
  const results: ScenarioResult[] = [];
  // A scenario that throws (its own bug, or a part that would not start) is reported and the run goes on: the others' results still count.
  const notRun: string[] = [];
  for (const scenario of scenarios) {
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, settings, log);
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      notRun.push(`${scenario.name}: ${text}`);
      log(`${scenario.name}: COULD NOT RUN: ${text}`);
      continue;
    }
    results.push(result);
    const misses = missedBar(result);
    // Beside its stream and logs, so groups run side by side (each rewriting the run's report) keep every finding.
    const scenarioReport = join(settings.artifactsDir, scenario.name, 'report.md');
    mkdirSync(dirname(scenarioReport), { recursive: true });
    writeFileSync(scenarioReport, markdownReport([result], settings, command));
    log(`${scenario.name}: ${misses.length === 0 ? 'passes' : `MISSES THE BAR: ${misses.join(', ')} (findings in ${scenarioReport})`}`);
  }
  const reportPath = form === 'short' ? '.tmp/chaos-report-short.md' : '.tmp/chaos-report.md';
  mkdirSync(dirname(reportPath), { recursive: true });
  const leftOut = selected ? [] : allScenarios.filter((scenario) => trialsOf(scenario, settings) === 0);
  const notRunSection = notRun.length === 0 ? '' : `\n## Could not run\n\n${notRun.map((line) => `- ${line.split('\n')[0]}`).join('\n')}\n`;
  writeFileSync(reportPath, markdownReport(results, settings, command, leftOut) + notRunSection);
  process.stdout.write(`${resultsTable(results)}\n${notRunSection}\nSeed ${settings.seed}; findings in ${reportPath}\n`);
  return notRun.length > 0 || results.some((result) => missedBar(result).length > 0) ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
