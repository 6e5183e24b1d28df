import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatListingRatio, listingRows, renderListingKinds } from '../../../bench/lib/listing-table.js';
import { renderMarkdown } from '../../../bench/lib/report.js';
import { emptyListingKindRun, type BenchResults, type ListingKindRun, type ListingPollSamples } from '../../../bench/lib/results.js';

function fill(samples: ListingPollSamples, values: { requests: number[]; bytes: number[]; cpuMs: number[]; wallMs: number[]; listed: number }): void {
  samples.requests.push(...values.requests);
  samples.responseBytes.push(...values.bytes);
  samples.requestBytes.push(...values.requests.map((count) => count * 300));
  samples.cpuMs.push(...values.cpuMs);
  samples.wallMs.push(...values.wallMs);
  samples.listed.push(values.listed, values.listed, values.listed);
  samples.transitions.push(0, 0, 0);
}

function openstackRun(): ListingKindRun {
  const run = emptyListingKindRun('openstack', 'Nova servers/detail (changes-since)', 100_000, 10, true);
  fill(run.kinds.full.unchanged, { requests: [101, 101, 101], bytes: [140e6, 141e6, 142e6], cpuMs: [1900, 2000, 2100], wallMs: [2500, 2400, 2600], listed: 100_000 });
  fill(run.kinds.full.changed, { requests: [101, 101, 101], bytes: [141e6, 141e6, 141e6], cpuMs: [2000, 2000, 2000], wallMs: [2500, 2500, 2500], listed: 100_000 });
  const incremental = run.kinds.incremental;
  assert.ok(incremental);
  fill(incremental.unchanged, { requests: [1, 1, 1], bytes: [300, 310, 320], cpuMs: [4, 5, 6], wallMs: [8, 9, 10], listed: 0 });
  fill(incremental.changed, { requests: [1, 1, 1], bytes: [14e3, 14e3, 14e3], cpuMs: [0, 0, 0], wallMs: [20, 20, 20], listed: 10 });
  return run;
}

function ec2Run(): ListingKindRun {
  const run = emptyListingKindRun('ec2', 'EC2 DescribeInstances', 100_000, 10, false);
  fill(run.kinds.full.unchanged, { requests: [100, 100, 100], bytes: [300e6, 300e6, 300e6], cpuMs: [2800, 2800, 2800], wallMs: [5200, 5200, 5200], listed: 100_000 });
  return run;
}

describe('bench: steady polls listed in full beside listed incrementally (#14)', () => {
  it('compares medians as full / incremental per figure and situation; no ratio without an incremental figure or against zero', () => {
    const rows = listingRows([openstackRun(), ec2Run()]);
    const find = (platform: string, situation: string, figureId: string) => rows.find((row) => row.platform === platform && row.situation === situation && row.figureId === figureId);
    assert.equal(find('openstack', 'unchanged', 'requests')?.ratio, 101);
    assert.equal(find('openstack', 'unchanged', 'response-bytes')?.ratio, 141e6 / 310);
    assert.equal(find('openstack', 'unchanged', 'cpu')?.ratio, 400);
    assert.equal(find('openstack', 'unchanged', 'wall')?.ratio, 2500 / 9);
    assert.ok(Number.isNaN(find('openstack', 'changed', 'cpu')?.ratio), 'an incremental figure of 0 gives no ratio');
    assert.equal(find('ec2', 'unchanged', 'requests')?.incremental, undefined);
    assert.ok(Number.isNaN(find('ec2', 'unchanged', 'requests')?.ratio));
    assert.equal(rows.length, 2 * 2 * 4, 'two runs, two situations, four figures');
  });

  it('formats bytes in SI units and ratios by size', () => {
    assert.equal(formatBytes(812), '812 B');
    assert.equal(formatBytes(14_613), '14.6 kB');
    assert.equal(formatBytes(141e6), '141 MB');
    assert.equal(formatListingRatio(454_838.7), '454,839×');
    assert.equal(formatListingRatio(20.4), '20×');
    assert.equal(formatListingRatio(1.44), '1.4×');
    assert.equal(formatListingRatio(Number.NaN), '—');
  });

  it('prints one line per platform, size and situation with both kinds and their ratio, and EC2 as full only', () => {
    const lines = renderListingKinds([openstackRun(), ec2Run()]);
    assert.equal(lines[0], '## Steady poll: full vs incremental listing (#14)');
    const line = (scope: string, situation: string) => lines.find((candidate) => candidate.startsWith(`| ${scope} |`) && candidate.includes(`| ${situation} |`));
    assert.equal(line('openstack 100k', 'nothing changed'), '| openstack 100k | Nova servers/detail (changes-since) | nothing changed | 101 / 1 = 101× | 141 MB / 310 B = 454,839× | 2,000 ms / 5 ms = 400× | 2,500 ms / 9 ms = 278× | 100,000 / 0 |');
    assert.match(line('openstack 100k', '10 changed') ?? '', /\| 101 \/ 1 = 101× \| 141 MB \/ 14 kB = 10,071× \| 2,000 ms \/ 0 ms = — \|.*\| 100,000 \/ 10 \|$/);
    assert.equal(line('ec2 100k', 'nothing changed'), '| ec2 100k | EC2 DescribeInstances | nothing changed | 100 / full only | 300 MB / full only | 2,800 ms / full only | 5,200 ms / full only | 100,000 / full only |');
    assert.deepEqual(renderListingKinds([]), [], 'no section without runs');
  });

  it('puts the section and its failures into the report; a run of this phase alone prints no table of floors', () => {
    const failed = { ...openstackRun(), failures: [{ phase: 'incremental listing, unchanged', message: 'poll 4 listed full, not incremental' }] };
    const results: BenchResults = {
      context: { command: 'BENCH_PHASES=listing npm run bench', node: '24.0.0', cores: 2, cpuModel: 'test cpu', memoryGiB: 8, sizes: [100_000], platforms: ['openstack', 'ec2'], repeats: 3, pageSize: 1000, pacing: 'Steady polls at 10 s', phases: ['listing'] },
      startup: { bridgeCpuMs: [], bridgeRssMb: [], floorCpuMs: [], floorRssMb: [], failures: [] },
      runs: [],
      listingKinds: [failed, ec2Run()],
    };
    const markdown = renderMarkdown(results);
    assert.match(markdown, /## Steady poll: full vs incremental listing \(#14\)/);
    assert.match(markdown, /\| openstack 100k \| Nova servers\/detail \(changes-since\) \| nothing changed \| 101 \/ 1 = 101× \|/);
    assert.match(markdown, /- openstack 100k \(listing kinds\), incremental listing, unchanged: poll 4 listed full, not incremental/);
    assert.doesNotMatch(markdown, /## Every figure/);
    assert.match(markdown, /^# `npm run bench`: steady polls listed in full and incrementally \(#14\)$/m);
    assert.equal(renderMarkdown(results), markdown, 'the same results give the same text');
  });
});
