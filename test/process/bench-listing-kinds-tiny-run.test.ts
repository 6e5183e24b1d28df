import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BenchResults } from '../../bench/lib/results.js';
import { runBench } from '../support/bench-run.js';

// #14 must-show 5 at a tiny size: vSphere's Web Services API path lists both ways, EC2 only in full. (OpenStack would
// add a minute: Nova's cursor lists a change again for 60 s, and "nothing changed" is measured only after that.)
describe('npm run bench, listing phase, at a tiny size', () => {
  it('prints full vs incremental steady-poll cost per platform: requests, bytes, bridge CPU, wall time; EC2 as full only', { timeout: 240_000 }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dcm-bench-listing-test-'));
    try {
      const exit = await runBench({ BENCH_SIZES: '200', BENCH_REPEATS: '1', BENCH_PLATFORMS: 'vsphere,ec2', BENCH_PHASES: 'listing', BENCH_OUT: outDir });
      assert.equal(exit.code, 0, exit.stderr);

      const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults;
      assert.deepEqual(results.runs, [], 'the floors phase did not run');
      const [vsphere, ec2] = results.listingKinds ?? [];
      assert.ok(vsphere && ec2, exit.stderr);
      assert.deepEqual([vsphere.failures, ec2.failures], [[], []], 'every poll listed as configured and published exactly the changes made');
      const incremental = vsphere.kinds.incremental;
      assert.ok(incremental, 'vSphere was measured incrementally');
      // Listing in full reads all 200 VMs every poll; incrementally, one WaitForUpdatesEx reads nothing or the 10 changed.
      assert.deepEqual([vsphere.kinds.full.unchanged.listed, vsphere.kinds.full.changed.listed], [[200], [200]]);
      assert.deepEqual([incremental.unchanged.listed, incremental.changed.listed, incremental.changed.transitions], [[0], [10], [10]]);
      assert.deepEqual([incremental.unchanged.requests, incremental.changed.requests], [[1], [1]]);
      assert.ok((vsphere.kinds.full.unchanged.responseBytes[0] ?? 0) > 20 * (incremental.unchanged.responseBytes[0] ?? Infinity), 'an unchanged incremental answer is a small fraction of the full one');
      assert.ok((incremental.changed.responseBytes[0] ?? 0) > (incremental.unchanged.responseBytes[0] ?? Infinity), 'ten changes cost bytes that nothing does not');
      assert.ok((vsphere.kinds.full.unchanged.cpuMs[0] ?? 0) > 0 && (incremental.unchanged.cpuMs[0] ?? 0) > 0, 'bridge CPU read for both kinds');
      assert.equal(ec2.kinds.incremental, undefined);
      assert.deepEqual(ec2.kinds.full.unchanged.listed, [200]);

      for (const markdown of [readFileSync(join(outDir, 'latest.md'), 'utf8'), exit.stdout]) {
        assert.match(markdown, /## Steady poll: full vs incremental listing \(#14\)/);
        assert.match(markdown, /\| platform, VMs \| listing \| between polls \| platform requests \| response bytes \| bridge CPU \| wall time \| instances listed \|/);
        for (const situation of ['nothing changed', '10 changed']) {
          assert.match(markdown, new RegExp(`\\| vsphere 200 \\| vCenter Web Services API \\(WaitForUpdatesEx\\) \\| ${situation} \\| 1 / 1 = 1\\.0× \\| [\\d.,]+ kB / [\\d.,]+ k?B = [\\d,]+× \\| [\\d.,]+ ms / [\\d.,]+ ms = [\\d.,]+× \\| [\\d.,]+ ms / [\\d.,]+ ms = [^|]+\\| 200 / (0|10) \\|`));
          assert.match(markdown, new RegExp(`\\| ec2 200 \\| EC2 DescribeInstances \\| ${situation} \\| 1 / full only \\| [\\d.,]+ kB / full only \\|`));
        }
        assert.match(markdown, /## Failed phases\n\nNone\./);
      }
      assert.equal(existsSync(join(outDir, 'latest.svg')), false, 'no chart of floors for a run without them');
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
