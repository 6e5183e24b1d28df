import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChart } from '../../../bench/lib/chart.js';
import { figureRows, formatRatio, judge } from '../../../bench/lib/figures.js';
import { renderMarkdown } from '../../../bench/lib/report.js';
import { emptyRun, median, type BenchResults, type PlatformRun } from '../../../bench/lib/results.js';

function filledRun(platform: string, vms: number, steadyMs: number): PlatformRun {
  const run = emptyRun(platform, vms);
  run.fetchFloor.wallMs.push(100, 90, 110);
  run.fetchFloor.cpuUsPerVm.push(10, 12, 11);
  run.fetchFloor.peakRssMb.push(80);
  run.sdkFloor?.wallMs.push(500);
  run.sdkFloor?.cpuUsPerVm.push(200);
  run.sdkFloor?.peakRssMb.push(120);
  run.statefulFloor?.wallMs.push(105);
  run.statefulFloor?.cpuUsPerVm.push(12, 13, 12.5);
  run.statefulFloor?.peakRssMb.push(95);
  run.steady.wallMs.push(steadyMs, steadyMs + 10, steadyMs - 10);
  run.steady.cpuUsPerVm.push(14, 15, 30);
  run.steady.peakRssMb.push(150, 160, 170);
  run.steady.cacheMsPer1000.push(2);
  run.storm.eventsPerSecond.push(7000, 9000, 8000);
  run.storm.peakRssMb.push(250);
  run.firstPoll.eventsPerSecond.push(5000);
  run.firstPoll.peakRssMb.push(240);
  run.jetstreamFloor.eventsPerSecond.push(10_000);
  run.jetstreamFloor.peakRssMb.push(70);
  run.stormFloor?.eventsPerSecond.push(9000, 9500, 8500);
  run.stormFloor?.peakRssMb.push(90);
  return { ...run, redisFloor: { mgetMs: 1, multiSetMs: 4 } };
}

const results: BenchResults = {
  context: { command: 'npm run bench', node: '24.0.0', cores: 2, cpuModel: 'test cpu', memoryGiB: 8, sizes: [1000], platforms: ['openstack', 'ec2'], repeats: 3, pageSize: 1000, pacing: 'Steady polls at 10 s' },
  startup: { bridgeCpuMs: [600, 400, 500], bridgeRssMb: [150], floorCpuMs: [20], floorRssMb: [50], failures: [] },
  runs: [filledRun('openstack', 1000, 120), { ...filledRun('ec2', 1000, 140), failures: [{ phase: 'storm 2', message: 'the poll published 3 transitions' }] }],
};

describe('bench figures: each bridge figure beside its floor, judged by #12 goals', () => {
  it('judges ratio, difference and absolute goals at their boundaries, and a missing number as no figure', () => {
    assert.equal(judge({ kind: 'ratio-at-most', limit: 1.3 }, 130, 100), 'met');
    assert.equal(judge({ kind: 'ratio-at-most', limit: 1.3 }, 131, 100), 'not met');
    assert.equal(judge({ kind: 'ratio-at-least', limit: 0.8 }, 8000, 10_000), 'met');
    assert.equal(judge({ kind: 'ratio-at-least', limit: 0.8 }, 7999, 10_000), 'not met');
    assert.equal(judge({ kind: 'difference-at-most', limit: 5 }, 16, 11), 'met');
    assert.equal(judge({ kind: 'difference-at-most', limit: 5 }, 16.1, 11), 'not met');
    assert.equal(judge({ kind: 'value-at-most', limit: 200 }, 201, Number.NaN), 'not met');
    assert.equal(judge({ kind: 'ratio-at-most', limit: 1.3 }, Number.NaN, 100), 'no figure');
    assert.equal(judge({ kind: 'ratio-at-least', limit: 0.8 }, 10, 0), 'no figure');
  });

  it('takes medians of the repeats and gives EC2 alone the SDK floor rows', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const rows = figureRows(results);
    const steady = rows.find((row) => row.platform === 'openstack' && row.figureId === 'steady-wall');
    assert.equal(steady?.bridge, 120);
    assert.equal(steady?.floor, 100);
    assert.equal(steady?.ratio, 1.2);
    assert.equal(steady?.verdict, 'met');
    const cpu = rows.find((row) => row.platform === 'openstack' && row.figureId === 'steady-cpu');
    assert.ok(cpu);
    assert.equal(formatRatio(cpu), '1.36× (+4.0 µs)');
    assert.equal(cpu.verdict, 'met');
    // The same CPU beside the floor that keeps the ids it listed: shown, not judged.
    const stateful = rows.find((row) => row.platform === 'openstack' && row.figureId === 'steady-cpu-stateful');
    assert.ok(stateful);
    assert.deepEqual([stateful.bridge, stateful.floor, formatRatio(stateful), stateful.verdict], [15, 12.5, '1.20× (+2.5 µs)', 'reference']);
    assert.equal(rows.find((row) => row.figureId === 'storm-rate')?.verdict, 'met');
    assert.equal(rows.find((row) => row.figureId === 'storm-rss')?.verdict, 'not met');
    // The storm floor is shown twice, unjudged: the bridge against it, and it against the JetStream floor (the ratio a bridge doing nothing else would reach).
    const againstStormFloor = rows.find((row) => row.figureId === 'storm-rate-pipeline');
    assert.deepEqual([againstStormFloor?.bridge, againstStormFloor?.floor, againstStormFloor?.verdict], [8000, 9000, 'reference']);
    const ceiling = rows.find((row) => row.figureId === 'storm-floor-ceiling');
    assert.deepEqual([ceiling?.bridge, ceiling?.floor, ceiling?.ratio, ceiling?.verdict], [9000, 10_000, 0.9, 'reference']);
    // A storm's memory stands beside the storm floor's; results written before it was measured fall back to the minimal publisher's.
    assert.equal(rows.find((row) => row.figureId === 'storm-rss')?.floor, 90);
    const { stormFloor: _measuredLater, ...olderRun } = filledRun('openstack', 1000, 120);
    const olderRows = figureRows({ ...results, runs: [olderRun] });
    assert.equal(olderRows.find((row) => row.figureId === 'storm-rss')?.floor, 70);
    assert.equal(olderRows.find((row) => row.figureId === 'storm-floor-ceiling')?.verdict, 'no figure');
    assert.deepEqual(rows.filter((row) => row.figureId.endsWith('-sdk')).map((row) => row.platform), ['ec2', 'ec2']);
    assert.deepEqual(
      rows.filter((row) => row.platform === 'start-up').map((row) => [row.figureId, row.verdict]),
      [
        ['startup-cpu', 'met'],
        ['startup-rss', 'not met'],
      ],
    );
  });

  it('writes every figure of every run into the Markdown with its floor, ratio and verdict, and lists failed phases', () => {
    const markdown = renderMarkdown(results);
    const rows = figureRows(results);
    for (const row of rows) {
      const line = markdown.split('\n').find((candidate) => candidate.startsWith(`| ${row.scope} | ${row.figure} |`));
      assert.ok(line, `no line for ${row.scope} ${row.figure}`);
      assert.match(line, /\d\.\d\d×/, `no ratio on ${line}`);
    }
    assert.match(markdown, /2 cores \(test cpu\), 8 GiB, Node\.js 24\.0\.0/);
    assert.match(markdown, /- ec2 1k, storm 2: the poll published 3 transitions/);
    assert.equal(renderMarkdown(results), markdown, 'the same results give the same text');
  });

  it('draws one bar per platform and size of each ratio panel, coloured by verdict, with the goal lines', () => {
    const svg = renderChart(figureRows(results), 'caption');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // 3 panels × 2 platforms × 1 size, plus the background.
    assert.equal([...svg.matchAll(/<rect /g)].length, 1 + 3 * 2);
    assert.equal([...svg.matchAll(/stroke-dasharray/g)].length, 3);
    assert.match(svg, />goal 1\.3×</);
    assert.match(svg, />1\.20</);
    assert.equal(renderChart(figureRows(results), 'caption'), svg);
  });
});
