import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { platformFigures, startupFigures } from '../../bench/lib/figures.js';
import type { BenchResults } from '../../bench/lib/results.js';

/** `npm run bench`'s entry in this build. */
const benchScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'bridge-bench.js');

describe('npm run bench at a tiny size', () => {
  it('runs every phase on real processes and writes a table listing each figure beside its floor with a ratio, the JSON and the chart', { timeout: 120_000 }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dcm-bench-test-'));
    try {
      const exit = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [benchScript], {
          env: { PATH: process.env['PATH'] ?? '', BENCH_SIZES: '200', BENCH_REPEATS: '1', BENCH_PLATFORMS: 'openstack', BENCH_PHASES: 'floors', BENCH_OUT: outDir },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stderr }));
      });
      assert.equal(exit.code, 0, exit.stderr);
      assert.match(exit.stderr, /\[bench +\d+ s\] openstack 200: storm poll/, 'progress lines on stderr');

      const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults;
      assert.deepEqual(results.runs[0]?.failures, [], 'no phase failed');
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
