import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  // The kernel's cgroups must be writable (root on a plain Linux host, as CI is); elsewhere the bench itself refuses the setting by name.
  const cgroupRoot = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
  const cgroupsWritable = ((): boolean => {
    try {
      accessSync(cgroupRoot, constants.W_OK);
      return existsSync(cgroupRoot);
    } catch {
      return false;
    }
  })();

  it('runs each bridge under BENCH_BRIDGE_MEMORY_LIMIT as a container with that limit, where Node sizes its heap from it, and names the limit in the table', { timeout: 120_000, skip: cgroupsWritable ? false : `${cgroupRoot} is not writable here` }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dcm-bench-test-'));
    const readings = join(outDir, 'bridge-stdout.txt');
    const probe = join(outDir, 'constrained.mjs');
    // Each bridge process prints the memory limit Node found at its start-up, and V8's heap limit from it.
    writeFileSync(probe, "import v8 from 'node:v8';\nprocess.stdout.write(JSON.stringify({ constrained: process.constrainedMemory(), heapLimit: v8.getHeapStatistics().heap_size_limit }) + '\\n');\n");
    const groupsBefore = new Set(readdirSync(cgroupRoot));
    try {
      const exit = await runBench({ BENCH_SIZES: '200', BENCH_REPEATS: '1', BENCH_PLATFORMS: 'openstack', BENCH_PHASES: 'floors', BENCH_OUT: outDir, BENCH_BRIDGE_MEMORY_LIMIT: '300Mi', BENCH_BRIDGE_STDOUT: readings, BENCH_BRIDGE_NODE_OPTIONS: `--import ${probe}` });
      assert.equal(exit.code, 0, exit.stderr);
      const reports = readFileSync(readings, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { constrained: number; heapLimit: number });
      assert.equal(reports.length, 2, 'the start-up bridge and the measured one');
      for (const report of reports) {
        assert.equal(report.constrained, 300 * 1024 ** 2, 'the bridge ran under the limit');
        assert.ok(report.heapLimit < 300 * 1024 ** 2, `V8 sized its heap from the limit, not from the machine: ${report.heapLimit} bytes`);
      }
      assert.match(readFileSync(join(outDir, 'latest.md'), 'utf8'), /^Command: `BENCH_BRIDGE_MEMORY_LIMIT="300Mi" BENCH_BRIDGE_NODE_OPTIONS="--import [^"]+" BENCH_SIZES=200 /m);
      assert.deepEqual(readdirSync(cgroupRoot).filter((name) => !groupsBefore.has(name)), [], 'every cgroup the bench made is removed');
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
