import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BenchResults } from '../../bench/lib/results.js';
import { runBench } from '../support/bench-run.js';

// #15 must-show 5 at a tiny size: 6 EC2 endpoints polled by 1 then 2 replicas in cluster mode, 12 s a step.
describe('npm run bench, replicas phase, at a tiny size', () => {
  it('measures 1 then 2 replicas: every endpoint polled by exactly one of them, polls, CPU per replica, Redis figures', { timeout: 180_000 }, async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'dcm-bench-replicas-test-'));
    try {
      const exit = await runBench({ BENCH_PHASES: 'replicas', BENCH_REPLICA_ENDPOINTS: '6', BENCH_REPLICA_VMS: '10', BENCH_REPLICAS: '1,2', BENCH_REPLICA_SECONDS: '12', BENCH_OUT: outDir });
      assert.equal(exit.code, 0, exit.stderr);
      const results = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchResults;
      const run = results.replicas;
      assert.ok(run, exit.stderr);
      assert.deepEqual(run.failures, [], 'no endpoint polled by two replicas or by none in a window');
      assert.deepEqual(run.steps.map((step) => step.perReplica.length), [1, 2]);
      const [one, two] = run.steps;
      assert.ok(one && two);
      // 6 endpoints every 10 s over 12 s: each polled once or twice in the window, each by one replica.
      for (const step of run.steps) {
        const polls = step.perReplica.reduce((sum, reading) => sum + reading.polls, 0);
        assert.ok(polls >= 6 && polls <= 12, `${polls} polls in ${step.windowSeconds} s`);
        assert.equal(step.perReplica.reduce((sum, reading) => sum + reading.ownedEndpoints, 0), 6, 'the owned-endpoints gauges add up to every endpoint');
        assert.equal(step.perReplica.reduce((sum, reading) => sum + reading.endpointsPolled, 0), 6, 'the endpoints polled add up, none twice');
        assert.ok(step.perReplica.every((reading) => reading.cpuMs > 0 && reading.vmsListed === reading.polls * 10), 'each replica measured; every poll listed the 10 VMs');
        assert.ok(step.redisCommands > 0 && step.redisCpuMs >= 0 && step.redisNetBytes > 0);
        assert.ok(Number.isFinite(step.natsCpuMs) && Number.isFinite(step.simulatorCpuMs), 'nats-server and simulator found');
      }
      assert.ok(two.perReplica.every((reading) => reading.polls > 0 && reading.ownedEndpoints > 0), 'the second replica took a share');
      for (const markdown of [readFileSync(join(outDir, 'latest.md'), 'utf8'), exit.stdout]) {
        assert.match(markdown, /## Replicas: one set of endpoints polled by 1, 2, 3 bridge processes \(#15\)/);
        assert.match(markdown, /\n\| 2 \| [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ % \/ [\d.]+ % \|/);
        assert.match(markdown, /This machine has \d+ cores/);
        assert.match(markdown, /## Failed phases\n\nNone\./);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
