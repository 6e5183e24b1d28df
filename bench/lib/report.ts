import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChart } from './chart.js';
import { figureRows, formatCount, formatRatio, formatValue, unitOf, type FigureRow } from './figures.js';
import { renderListingKinds } from './listing-table.js';
import { renderReplicas } from './replicas-table.js';
import type { BenchResults } from './results.js';

const verdictMark: Readonly<Record<FigureRow['verdict'], string>> = { met: 'met', 'not met': '**not met**', reference: '—', 'no figure': 'no figure' };

function cells(values: readonly string[]): string {
  return `| ${values.join(' | ')} |`;
}

/** A summary cell: the ratio to the floor, or for an absolute goal (memory) the value with the ratio after it; then the verdict. */
function summaryCell(row: FigureRow): string {
  const unit = unitOf(row.figureId);
  const absolute = row.goal.startsWith('≤') && !row.goal.includes('floor');
  const shown = absolute ? `${formatValue(row.bridge, unit)} (${formatRatio(row)} floor)` : formatRatio(row);
  return row.verdict === 'reference' ? shown : `${shown}, ${verdictMark[row.verdict]}`;
}

/**
 * The Markdown of `bench/results/latest.md`: the machine and settings, a
 * summary at the largest size in the shape of issue #12's table, every
 * figure beside its floor with the ratio and the goal's verdict, and the
 * phases that failed. Same input, same text: no times of day, fixed order.
 */
export function renderMarkdown(results: BenchResults): string {
  const { context } = results;
  const rows = figureRows(results);
  const lines: string[] = [];
  lines.push(floorsMeasured(results) ? '# `npm run bench`: the bridge against its floors (#12)' : results.listingKinds?.length ? '# `npm run bench`: steady polls listed in full and incrementally (#14)' : '# `npm run bench`: replicas (#15)', '');
  lines.push(`Machine: ${context.cores} cores (${context.cpuModel}), ${context.memoryGiB} GiB, Node.js ${context.node}.  `);
  lines.push(`Command: \`${context.command}\`.  `);
  lines.push(`Sizes ${context.sizes.map(formatCount).join(', ')} managed VMs per platform (${context.platforms.join(', ')}), page size ${formatCount(context.pageSize)}, medians of ${context.repeats}. ${context.pacing}.`);
  if (context.note) lines.push('', context.note);
  lines.push('');

  const largest = Math.max(...results.runs.map((run) => run.vms));
  const platforms = [...new Set(results.runs.map((run) => run.platform))];
  if (Number.isFinite(largest)) {
    lines.push(`## Summary at ${formatCount(largest)} VMs`, '');
    lines.push(cells(['figure', ...platforms, 'goal']), cells(['---', ...platforms.map(() => '---'), '---']));
    const atLargest = rows.filter((row) => row.vms === largest);
    for (const figure of [...new Set(atLargest.map((row) => row.figure))]) {
      const byPlatform = platforms.map((platform) => {
        const found = atLargest.find((row) => row.figure === figure && row.platform === platform);
        return found ? summaryCell(found) : '';
      });
      lines.push(cells([figure, ...byPlatform, atLargest.find((row) => row.figure === figure)?.goal ?? '']));
    }
    for (const row of rows.filter((candidate) => candidate.vms === 0)) lines.push(cells([row.figure, ...platforms.map((_, index) => (index === 0 ? summaryCell(row) : 'same')), row.goal]));
    lines.push('');
  }

  if (floorsMeasured(results)) {
    lines.push('## Every figure', '');
    lines.push(cells(['platform, VMs', 'figure', 'bridge', 'floor', 'bridge / floor', 'goal', 'verdict']), cells(['---', '---', '---:', '---:', '---:', '---', '---']));
    for (const row of rows) {
      const unit = unitOf(row.figureId);
      lines.push(cells([row.scope, row.figure, formatValue(row.bridge, unit), formatValue(row.floor, unit), formatRatio(row), row.goal, verdictMark[row.verdict]]));
    }
    lines.push('');
  }

  const details = results.runs.filter((run) => run.eventBytes !== undefined || run.redisFloor !== undefined);
  if (details.length > 0) {
    lines.push('## What the floors were given', '');
    lines.push(cells(['platform, VMs', 'event body', 'cache record', 'Redis MGET 1,000', 'Redis MULTI SET 1,000', 'bridge Redis commands per 1,000 unchanged VMs', 'storm events']), cells(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const run of details) {
      const commands = run.steady.redisCommandsPer1000;
      lines.push(
        cells([
          `${run.platform} ${formatCount(run.vms)}`,
          run.eventBytes === undefined ? '—' : `${run.eventBytes} B`,
          run.recordBytes === undefined ? '—' : `${run.recordBytes} B`,
          formatValue(run.redisFloor?.mgetMs ?? Number.NaN, 'ms'),
          formatValue(run.redisFloor?.multiSetMs ?? Number.NaN, 'ms'),
          commands.length > 0 ? (commands.reduce((sum, value) => sum + value, 0) / commands.length).toFixed(1) : '—',
          run.storm.events.join(', ') || '—',
        ]),
      );
    }
    lines.push('');
  }

  lines.push(...renderListingKinds(results.listingKinds ?? []));
  lines.push(...renderReplicas(results.replicas, context.cores));

  const failures = [
    ...results.runs.flatMap((run) => run.failures.map((failure) => ({ scope: `${run.platform} ${formatCount(run.vms)}`, ...failure }))),
    ...results.startup.failures.map((failure) => ({ scope: 'start-up', ...failure })),
    ...(results.listingKinds ?? []).flatMap((run) => run.failures.map((failure) => ({ scope: `${run.platform} ${formatCount(run.vms)} (listing kinds)`, ...failure }))),
    ...(results.replicas?.failures ?? []).map((failure) => ({ scope: 'replicas', ...failure })),
  ];
  lines.push('## Failed phases', '');
  if (failures.length === 0) lines.push('None.');
  for (const failure of failures) lines.push(`- ${failure.scope}, ${failure.phase}: ${failure.message.replace(/\s+/g, ' ').slice(0, 400)}`);
  lines.push('');
  return lines.join('\n');
}

/** Whether the run measured #12's figures (start-up, floors and the bridge against them), not only #14's listing kinds. */
function floorsMeasured(results: BenchResults): boolean {
  return results.runs.length > 0 || results.startup.bridgeCpuMs.length > 0 || results.startup.failures.length > 0;
}

/** Writes `latest.md`, `latest.json` and (when #12's figures were measured) `latest.svg` of `results` into `outDir`. */
export function writeResults(results: BenchResults, outDir: string): void {
  const { context } = results;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.md'), renderMarkdown(results));
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (!floorsMeasured(results)) return;
  writeFileSync(join(outDir, 'latest.svg'), renderChart(figureRows(results), `${context.cores} cores, Node.js ${context.node}; bars: bridge / floor, medians of ${context.repeats}; bench/results/latest.md has every figure`));
}
