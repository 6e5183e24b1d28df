/**
 * Writes bench/results/latest.md and latest.svg again from latest.json (a
 * run's raw samples), e.g. after the table's layout changed, without
 * measuring again. Run: node dist/bench/render-results.js [results dir]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeResults } from './lib/report.js';
import type { BenchResults } from './lib/results.js';

const outDir = resolve(process.argv[2] ?? 'bench/results');
writeResults(JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults, outDir);
process.stderr.write(`wrote ${join(outDir, 'latest.md')} (and latest.svg, for a run that measured the floors) from latest.json\n`);
