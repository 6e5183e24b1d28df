import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { platformFigures, startupFigures } from '../../bench/lib/figures.js';
import type { BenchResults } from '../../bench/lib/results.js';
import { runBench } from '../support/bench-run.js';

describe('npm run bench at a tiny size', () => {
  it('runs every phase on real processes and writes a table listing each figure beside its floor with a ratio, the JSON and the chart', { timeout: 120_000 }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dcm-bench-test-'));
    const profileDir = join(outDir, 'profiles');
    try {
      const exit = await runBench({ BENCH_SIZES: '200', BENCH_REPEATS: '1', BENCH_PLATFORMS: 'openstack', BENCH_PHASES: 'floors', BENCH_OUT: outDir, BENCH_BRIDGE_NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` });
      assert.equal(exit.code, 0, exit.stderr);
      // BENCH_BRIDGE_NODE_OPTIONS reaches the bridges alone: the start-up one and the measured one, none of the four floors.
      assert.equal(readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).length, 2, 'one CPU profile per bridge process');
      assert.match(exit.stderr, /\[bench +\d+ s\] openstack 200: storm poll/, 'progress lines on stderr');

      const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults;
      assert.deepEqual(results.runs[0]?.failures, [], 'no phase failed');
      // The steady figures are BENCH_REPEATS polls after one uncounted warm-up poll, as the fetch floors list once first.
      assert.match(exit.stderr, /openstack 200: steady poll to warm up[^\n]*\n[^\n]*openstack 200: steady poll 1\/1/);
      assert.equal(results.runs[0]?.steady.cpuUsPerVm.length, 1, 'the warm-up poll is not among the steady figures');
      const markdown = readFileSync(join(outDir, 'latest.md'), 'utf8');
      for (const figure of platformFigures.filter((definition) => !definition.platforms)) {
        const line = markdown.split('\n').find((candidate) => candidate.startsWith(`| openstack 200 | ${figure.label} |`));
        assert.ok(line, `no row for ${figure.label}`);
        assert.match(line, /\| \d[\d.,]*× [^|]*\|/, `no ratio on ${line}`);
      }
      for (const figure of startupFigures) assert.match(markdown, new RegExp(`\\| start-up \\| ${figure.label} \\| [\\d.]+ \\w+ \\| [\\d.]+ \\w+ \\| [\\d.]+×`));
      assert.match(markdown, /^Machine: \d+ cores .*Node\.js 2\d\./m);
      assert.match(readFileSync(join(outDir, 'latest.svg'), 'utf8'), /<svg [^>]*>[\s\S]*goal 1\.3×[\s\S]*<\/svg>/);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
