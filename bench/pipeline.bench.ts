/**
 * Core pipeline benchmark: list → normalize → diff (real Redis) → publish (real
 * JetStream) → commit, for growing numbers of instances from the `file` test
 * platform (so the figures are the bridge's own cost, not a platform's).
 *
 * Prints, per size: the first poll (everything new, every event acknowledged),
 * an unchanged poll, a poll where 1% changed, two storms (every instance
 * changed, then changed back); with the process's CPU per event (or per
 * instance when nothing changed), Redis commands per poll (batching: one
 * MGET per page, not one GET per instance) and heap growth.
 * In-process, so it shows the pipeline's own cost; `npm run bench` (bridge-bench.ts)
 * measures the built CLI against its floors instead.
 * Run: .ci/on-supported-node node dist/bench/pipeline.bench.js
 */
import { execFileSync } from 'node:child_process';
import { instances, startHarness } from '../test/support/harness.js';

const sizes = (process.env['BENCH_SIZES'] ?? '1000,10000,100000').split(',').map(Number);
const pageSize = 1000;

function redisCommandCount(port: number): number {
  const info = execFileSync('redis-cli', ['-p', String(port), 'info', 'commandstats'], { encoding: 'utf8' });
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

interface Row {
  instances: number;
  phase: string;
  milliseconds: number;
  events: number;
  /** This process's CPU (the bridge and the file platform's reading) per event, or per instance when none. */
  cpuMicroseconds: number;
  redisCommands: number;
  heapMiB: number;
}

async function main(): Promise<void> {
  const harness = await startHarness();
  const rows: Row[] = [];
  try {
    for (const size of sizes) {
      const endpoint = `bench-${size}`;
      const all = instances(size);
      harness.setPlatform(endpoint, { instances: all, pageSize });
      const bridge = await harness.bridge(harness.config({ endpoints: [endpoint], extra: 'diff: { resyncSeconds: 0 }' }));
      const measure = async (phase: string): Promise<void> => {
        const commandsBefore = redisCommandCount(harness.redis.port);
        const heapBefore = process.memoryUsage().heapUsed;
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        const result = await bridge.runOnce();
        const cpu = process.cpuUsage(cpuBefore);
        const milliseconds = performance.now() - started;
        if (!result.ok) throw new Error(`${phase} failed: ${JSON.stringify(result.endpoints)}`);
        const report = result.endpoints[0]?.lastReport;
        rows.push({
          instances: size,
          phase,
          milliseconds: Math.round(milliseconds),
          events: report?.transitions ?? 0,
          cpuMicroseconds: Math.round(((cpu.user + cpu.system) / Math.max(1, report?.transitions || size)) * 10) / 10,
          // redis-cli's own INFO call counts as one command.
          redisCommands: redisCommandCount(harness.redis.port) - commandsBefore - 1,
          heapMiB: Math.round(((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024) * 10) / 10,
        });
      };
      await measure('first poll (all new)');
      await measure('unchanged');
      harness.setPlatform(endpoint, { instances: all.map((instance, index) => (index % 100 === 0 ? { ...instance, rawState: 'off' } : instance)), pageSize });
      await measure('1% changed');
      harness.setPlatform(endpoint, { instances: all.map((instance) => ({ ...instance, rawState: 'off' })), pageSize });
      await measure('storm: all changed');
      harness.setPlatform(endpoint, { instances: all, pageSize });
      await measure('storm: all back');
      await bridge.stop();
    }
  } finally {
    await harness.dispose();
  }

  console.log(`\ncore pipeline, page size ${pageSize}, real Redis + JetStream on loopback\n`);
  console.log(['instances', 'phase', 'ms', 'events', 'events/s', 'CPU µs each', 'redis cmds', 'heap Δ MiB'].map((title) => title.padStart(12)).join(''));
  for (const row of rows) {
    const perSecond = row.events > 0 ? Math.round((row.events / row.milliseconds) * 1000) : 0;
    console.log([row.instances, row.phase.padStart(22), row.milliseconds, row.events, perSecond, row.cpuMicroseconds, row.redisCommands, row.heapMiB].map((cell) => String(cell).padStart(12)).join(''));
  }
  const unchanged = rows.filter((row) => row.phase === 'unchanged');
  const smallest = unchanged[0];
  const largest = unchanged[unchanged.length - 1];
  if (smallest && largest && smallest !== largest) {
    console.log(`\nunchanged-poll cost ratio ${largest.instances}/${smallest.instances} instances: ${(largest.milliseconds / smallest.milliseconds).toFixed(1)}× time for ${(largest.instances / smallest.instances).toFixed(0)}× instances`);
    console.log(`redis commands per 1,000 instances on an unchanged poll: ${((largest.redisCommands / largest.instances) * 1000).toFixed(1)}`);
  }
}

await main();
