import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReplicas, replicaStepFigures } from '../../../bench/lib/replicas-table.js';
import { renderMarkdown } from '../../../bench/lib/report.js';
import type { BenchResults, ReplicaStep, ReplicasRun } from '../../../bench/lib/results.js';

function step(replicas: number, cpuMs: readonly number[], polls: readonly number[]): ReplicaStep {
  return {
    replicas,
    windowSeconds: 60,
    perReplica: cpuMs.map((cpu, index) => ({ replica: `bench-r${index}`, polls: polls[index] ?? 0, endpointsPolled: 10, ownedEndpoints: 10, cpuMs: cpu, vmsListed: (polls[index] ?? 0) * 100 })),
    redisCpuMs: 6000,
    redisCommands: 120 * 60,
    redisNetBytes: 1.2e6,
    natsCpuMs: 600,
    simulatorCpuMs: 12_000,
    endpointsPolledByTwo: 0,
    endpointsNotPolled: 0,
  };
}

const run: ReplicasRun = {
  platform: 'ec2',
  listing: 'EC2 DescribeInstances, full',
  endpoints: 200,
  vmsPerEndpoint: 100,
  intervalSeconds: 10,
  windowSeconds: 60,
  steps: [step(1, [30_000], [1200]), step(2, [15_000, 16_000], [600, 600])],
  failures: [],
};

describe('bench replicas table (#15)', () => {
  it('derives rates per second of the window and costs per poll and per VM listed', () => {
    const one = replicaStepFigures(run.steps[0] as ReplicaStep, 2);
    assert.equal(one.pollsPerSecond, 20);
    assert.deepEqual(one.cpuPercentByReplica, [50]);
    assert.equal(one.bridgeCpuMsPerPoll, 25);
    assert.equal(one.bridgeCpuUsPerVm, 250);
    assert.equal(one.redisCpuPercent, 10);
    assert.equal(one.redisCommandsPerPoll, 6);
    assert.equal(one.redisBytesPerPoll, 1000);
    // (30 + 6 + 0.6 + 12) s of CPU in 60 s, over 2 cores.
    assert.ok(Math.abs(one.machinePercent - 40.5) < 1e-9);
    const two = replicaStepFigures(run.steps[1] as ReplicaStep, 2);
    assert.deepEqual(two.pollsPerSecondByReplica, [10, 10]);
    assert.equal(two.bridgeCpuMsPerPoll, 25.833333333333332);
  });

  it('a step without polls has no per-poll costs, printed as dashes', () => {
    const figures = replicaStepFigures(step(1, [100], [0]), 2);
    assert.ok(Number.isNaN(figures.bridgeCpuMsPerPoll) && Number.isNaN(figures.redisCommandsPerPoll));
    assert.match(renderReplicas({ ...run, steps: [step(1, [100], [0])] }, 2).join('\n'), /\| 1 \| 0\.00 \| 0\.00 \| 0\.2 % \| — ms \| — µs \|/);
  });

  it('prints one row per replica count and says what 2 cores limit; failures land in the report', () => {
    const text = renderReplicas(run, 2).join('\n');
    assert.match(text, /## Replicas: one set of endpoints polled by 1, 2, 3 bridge processes \(#15\)/);
    assert.match(text, /\| 1 \| 20\.00 \| 20\.00 \| 50\.0 % \| 25\.00 ms \| 250\.0 µs \| 10\.0 % \| 120 \| 6\.0 \| 1 kB \| 1\.0 % \| 20\.0 % \| 41 % \| 0 \/ 0 \|/);
    assert.match(text, /\| 2 \| 20\.00 \| 10\.00 \/ 10\.00 \| 25\.0 % \/ 26\.7 % \|/);
    assert.match(text, /This machine has 2 cores\. .*figures for 3 replicas measure contention, not scaling/);
    assert.doesNotMatch(renderReplicas(run, 8).join('\n'), /contention, not scaling/);
    assert.deepEqual(renderReplicas(undefined, 2), []);
    const results: BenchResults = {
      context: { command: 'x', node: '24', cores: 2, cpuModel: 'cpu', memoryGiB: 8, sizes: [], platforms: [], repeats: 1, pageSize: 1000, pacing: 'p', phases: ['replicas'] },
      startup: { bridgeCpuMs: [], bridgeRssMb: [], floorCpuMs: [], floorRssMb: [], failures: [] },
      runs: [],
      replicas: { ...run, failures: [{ phase: '2 replica(s)', message: '3 endpoint(s) were polled by two replicas in the window' }] },
    };
    const markdown = renderMarkdown(results);
    assert.match(markdown, /^# `npm run bench`: replicas \(#15\)/);
    assert.match(markdown, /- replicas, 2 replica\(s\): 3 endpoint\(s\) were polled by two replicas in the window/);
  });
});
