import { missedBar, type ScenarioResult } from './run-scenario.js';
import type { RunSettings, Scenario } from './scenario.js';

const seconds = (ms: number | undefined): string => (ms === undefined ? 'not within the bound' : `${(ms / 1000).toFixed(1)} s`);

/** The results table, one row per scenario, in the columns the issue names (plus re-announcements and secrets). */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const header = '| scenario | trials | instances | transitions made | transitions delivered | lost | duplicates delivered | false DELETED | bridge crashes | time to converge | re-announced | secrets found |';
  const rule = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const rows = results.map(({ scenario, trials, verdict, crashes, convergeMs, secretSightings }) =>
    `| ${scenario} | ${trials} | ${verdict.instances} | ${verdict.transitionsMade} | ${verdict.transitionsDelivered} | ${verdict.lost} | ${verdict.duplicates} | ${verdict.falseDeleted} | ${crashes.length} | ${seconds(convergeMs)} | ${verdict.reannounced} | ${secretSightings.length} |`,
  );
  return [header, rule, ...rows].join('\n');
}

/** How many findings of each scenario the report quotes. */
const quotedFindings = 12;

/**
 * The whole report in Markdown: the run's settings and seed, how to replay
 * it, the table, and per scenario that missed the bar what it found (findings,
 * crash signs, secret sightings) and the trials' notes.
 */
export function markdownReport(results: readonly ScenarioResult[], settings: RunSettings, command: string, leftOut: readonly Scenario[] = []): string {
  const { tuning } = settings;
  const lines = [
    `# Fault suite (${settings.form} form)`,
    '',
    `Seed ${settings.seed}; ${settings.instances} instances seeded per scenario, ${settings.changesPerSecond} changes/s; interval ${tuning.intervalSeconds} s, ackTimeoutSeconds ${tuning.ackTimeoutSeconds}, backoffMaxSeconds ${tuning.backoffMaxSeconds}. Replay: \`CHAOS_SEED=${settings.seed} ${command}\`.`,
    '',
    resultsTable(results),
    '',
    ...leftOut.map((scenario) => `Not in this form: ${scenario.name}${scenario.fullOnlyBecause ? `, because ${scenario.fullOnlyBecause}` : ''}.`),
    ...(leftOut.length > 0 ? [''] : []),
  ];
  for (const result of results) {
    const misses = missedBar(result);
    lines.push(`## ${result.scenario}: ${misses.length === 0 ? 'passes' : `misses the bar (${misses.join(', ')})`}`, '');
    lines.push(`Scenario seed ${result.seed}; ran ${seconds(result.durationMs)}; ${result.verdict.statesChecked} earlier states held in sight were checked for delivery.`);
    if (misses.length > 0) lines.push(`Stream, truth and bridge logs: \`${result.artifactsDir}/\`.`);
    for (const finding of result.verdict.findings.slice(0, quotedFindings)) lines.push(`- ${finding.kind} ${finding.instanceId}: ${finding.detail}`);
    if (result.verdict.findings.length > quotedFindings) lines.push(`- … ${result.verdict.findings.length - quotedFindings} more findings`);
    for (const crash of result.crashes) lines.push(`- crash: ${crash}`);
    for (const sighting of result.secretSightings) lines.push(`- secret ${sighting.secretHint} (${sighting.form}) in ${sighting.source}`);
    for (const failure of result.churnFailures.slice(0, 5)) lines.push(`- simulator control failure: ${failure}`);
    if (result.notes.length > 0) lines.push(`- trials: ${tally(result.notes)}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Notes with their counts, in order of first appearance: `25× SIGKILL at a random moment; …`. */
function tally(notes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const note of notes) counts.set(note, (counts.get(note) ?? 0) + 1);
  return [...counts].map(([note, count]) => (count > 1 ? `${count}× ${note}` : note)).join('; ');
}
