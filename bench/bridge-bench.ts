/**
 * `npm run bench` (#12): the bridge measured against its floors, every part
 * a real process as users run it — redis-server, nats-server -js with DCM's
 * stream on dcm.*, one platform simulator process per platform and size, the
 * built bridge CLI — measured from outside only (its log lines' poll
 * reports, /proc/<pid>/stat and status, its /metrics, the stream, Redis's
 * INFO). Beside each bridge figure, the floor it is judged against, measured
 * in the same run on the same listing by a minimal process of its own
 * (bench/floors/). Writes bench/results/latest.{md,json,svg}.
 *
 * Environment: BENCH_SIZES (default 1000,10000,100000), BENCH_PLATFORMS
 * (openstack,ec2,vsphere), BENCH_REPEATS (3), BENCH_OUT (bench/results),
 * BENCH_NOTE (a line for the header, e.g. other load on the machine),
 * BENCH_PHASES (floors,listing): `floors` is #12's start-up and the bridge
 * against its floors, `listing` #14's steady polls listed in full beside
 * listed incrementally (bench/lib/listing-kinds.ts), `replicas` #15's
 * endpoints polled by 1, 2, 3 replicas in cluster mode (bench/lib/replicas.ts;
 * BENCH_REPLICA_ENDPOINTS 200, BENCH_REPLICA_VMS 100 per endpoint,
 * BENCH_REPLICAS 1,2,3, BENCH_REPLICA_SECONDS 60 per step).
 * The bridge processes alone (bench/lib/bridge-process.ts): BENCH_BRIDGE_NODE_OPTIONS,
 * BENCH_BRIDGE_ENV, BENCH_BRIDGE_STDOUT, and BENCH_BRIDGE_MEMORY_LIMIT (each
 * bridge in a cgroup with that memory limit, as in a container).
 * Progress goes to stderr; the table to stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { floorScripts, runFloor } from './lib/children.js';
import { createCleanup, type Cleanup } from './lib/cleanup.js';
import type { FetchFloorKind, FloorListing } from './floors/fetch-floor.js';
import type { StormFloorSettings } from './floors/storm-floor.js';
import { startBenchBridge, type BenchBridge, type PollSample } from './lib/bridge-process.js';
import { benchPlatformNames, startBenchPlatform, type BenchPlatform, type BenchPlatformName } from './lib/platforms.js';
import { processCpuMs, processMemory, resetPeakRss } from './lib/proc.js';
import { renderMarkdown, writeResults } from './lib/report.js';
import { emptyRun, median, type BenchContext, type BenchResults, type PlatformRun, type StartupSamples } from './lib/results.js';
import { dcmStream, floorStream, startBenchStack, type BenchStack } from './lib/stack.js';
import { measureListingKinds } from './lib/listing-kinds.js';
import { measureReplicas } from './lib/replicas.js';
import type { ReplicasRun } from './lib/results.js';
import type { ListingKindRun } from './lib/results.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const pageSize = 1000;
/** The shipped adapters' floor: the bench runs the unmodified CLI at it. */
const intervalSeconds = 10;
const maxInFlight = 256;

const listOf = (name: string, fallback: string): string[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const sizes = listOf('BENCH_SIZES', '1000,10000,100000').map(Number);
const platforms = listOf('BENCH_PLATFORMS', benchPlatformNames.join(',')) as BenchPlatformName[];
const repeats = Number(process.env['BENCH_REPEATS'] ?? '3');
const outDir = resolve(process.env['BENCH_OUT'] ?? 'bench/results');
const benchPhases = ['floors', 'listing', 'replicas'] as const;
const phases = listOf('BENCH_PHASES', benchPhases.join(','));
for (const name of phases) if (!(benchPhases as readonly string[]).includes(name)) throw new Error(`BENCH_PHASES: ${name} is not a phase (${benchPhases.join(', ')})`);
/** VMs changed between the "changed" steady polls of #14's comparison. */
const changedPerPoll = 10;
/** #15's replicas phase: endpoints, VMs each, replica counts, measuring window. */
const replicaEndpoints = Number(process.env['BENCH_REPLICA_ENDPOINTS'] ?? '200');
const replicaVms = Number(process.env['BENCH_REPLICA_VMS'] ?? '100');
const replicaCounts = listOf('BENCH_REPLICAS', '1,2,3').map(Number);
const replicaWindowSeconds = Number(process.env['BENCH_REPLICA_SECONDS'] ?? '60');

const startedAt = performance.now();
function progress(line: string): void {
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
}

/** Generous: a 100k first poll of vSphere fetches 100,000 tag names. */
const pollWaitMs = (vms: number): number => 120_000 + vms * 6;

function bridgeConfig(stack: BenchStack, namespace: string, endpoints: string, diff = 'resyncSeconds: 0', extra = ''): string {
  return `provider: { name: bench }
cache: { url: "${stack.redis.url}", namespace: ${namespace} }
publisher: { kind: nats, url: "${stack.nats.url}", jetstream: true, streamName: ${dcmStream.name}, maxInFlight: ${maxInFlight} }
scheduler: { jitterRatio: 0, pollTimeoutSeconds: 600 }
# The simulators have no request limits; the shared buckets (README "Platform rate limits") would cap what is measured (a 100k vSphere tag-path first poll alone needs 1,000 s of tokens at the default 100/s).
rateLimits: { vsphere: { requestsPerSecond: 0 }, openstack: { requestsPerSecond: 0 }, ec2: { requestsPerSecond: 0 } }
diff: { ${diff} }
api: { listen: "127.0.0.1:0" }
log: { level: info }
${extra ? `${extra}\n` : ''}endpoints:${endpoints ? `\n${endpoints}` : ' []'}
`;
}

/** Sum of the bridge's cache operation seconds (its `dcm_bridge_cache_operation_seconds` histogram), from /metrics. */
async function cacheSeconds(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  return [...text.matchAll(/^dcm_bridge_cache_operation_seconds_sum\{[^}]*\} (\S+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function phase(run: { failures: PlatformRun['failures'] } | StartupSamples, name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    run.failures.push({ phase: name, message });
    progress(`FAILED ${name}: ${message.split('\n')[0]}`);
  }
}

async function measureFetchFloors(platform: BenchPlatform, run: PlatformRun, cleanup: Cleanup): Promise<void> {
  // The minimal client once more, keeping the ids it listed: the least state a poller that tells changes keeps (fetch-floor.ts).
  const floors = platform.fetchFloors.flatMap((floor) => (floor.slot === 'fetchFloor' ? [floor, { kind: floor.kind, slot: 'statefulFloor' as const }] : [floor]));
  for (const { kind, slot } of floors) {
    const remember = slot === 'statefulFloor';
    const name = remember ? `${kind}, remembering ids` : kind;
    await phase(run, `fetch floor (${name})`, async () => {
      progress(`${run.platform} ${run.vms}: fetch floor ${name}, ${repeats} listings after a warm-up`);
      const settings = { ...platform.floorSettings(kind as FetchFloorKind, repeats, pageSize), ...(remember ? { remember } : {}) };
      const answer = await runFloor<{ listings: FloorListing[]; peakRssMb: number }>(floorScripts.fetch, settings, cleanup, 60_000 + run.vms * 20);
      const samples = run[slot];
      if (!samples) return;
      for (const listing of answer.listings) {
        if (listing.vms !== run.vms) throw new Error(`the floor listed ${listing.vms} VMs, not ${run.vms}`);
        samples.wallMs.push(listing.wallMs);
        samples.cpuUsPerVm.push(listing.cpuUs / listing.vms);
      }
      samples.peakRssMb.push(answer.peakRssMb);
      progress(`${run.platform} ${run.vms}: fetch floor ${name} ${median(samples.wallMs).toFixed(0)} ms, ${median(samples.cpuUsPerVm).toFixed(1)} µs CPU/VM`);
    });
  }
}

/** Reads what the last poll stored: count and rate from first to last storage time. */
async function storedRate(stack: BenchStack): Promise<{ events: number; eventsPerSecond: number }> {
  const reading = await stack.read(dcmStream.name);
  const seconds = (reading.lastMs - reading.firstMs) / 1000;
  return { events: reading.messages, eventsPerSecond: reading.messages > 1 && seconds > 0 ? (reading.messages - 1) / seconds : Number.NaN };
}

async function measureBridge(platform: BenchPlatform, run: PlatformRun, stack: BenchStack, workDir: string, cleanup: Cleanup): Promise<void> {
  const label = `${run.platform} ${run.vms}`;
  await stack.resetStream(dcmStream);
  const namespace = `bench-${run.platform}-${run.vms}-${Date.now().toString(36)}`;
  const configPath = join(workDir, `${run.platform}-${run.vms}.yaml`);
  writeFileSync(configPath, bridgeConfig(stack, namespace, platform.endpointYaml(intervalSeconds)));
  const bridge: BenchBridge = startBenchBridge(configPath, platform.bridgeEnv, cleanup);
  try {
    const started = await bridge.listening;
    let pollIndex = 0;
    let last: PollSample | undefined;

    await phase(run, 'first poll', async () => {
      progress(`${label}: bridge ${bridge.pid} listening; waiting for its first poll (every VM new)`);
      last = await bridge.poll(pollIndex++, pollWaitMs(run.vms));
      const stored = await storedRate(stack);
      run.firstPoll.events.push(stored.events);
      run.firstPoll.eventsPerSecond.push(stored.eventsPerSecond);
      run.firstPoll.wallMs.push(last.durationMs);
      run.firstPoll.peakRssMb.push(last.peakRssMb);
      run.firstPoll.cpuUsPerEvent.push(((last.cpuMs - started.cpuMs) * 1000) / Math.max(1, stored.events));
      if (stored.events !== run.vms) run.failures.push({ phase: 'first poll', message: `stored ${stored.events} events for ${run.vms} VMs` });
      progress(`${label}: first poll ${last.durationMs} ms, ${stored.events} events stored at ${stored.eventsPerSecond.toFixed(0)}/s, peak RSS ${last.peakRssMb.toFixed(0)} MB`);
      Object.assign(run, { eventBytes: await stack.lastBodyBytes(dcmStream.name), recordBytes: await stack.recordBytes(namespace) });
    });
    if (!last) return;

    await phase(run, 'steady polls', async () => {
      // One steady poll first, not counted, as the fetch floors list once before they are timed: the
      // first poll after the all-new one still compiles the unchanged-VM path (the JIT's work, not a
      // mark-compact: --trace-gc shows none in it), so it costs more a VM than the polls after it.
      progress(`${label}: steady poll to warm up (interval ${intervalSeconds} s, not counted)`);
      last = await bridge.poll(pollIndex++, pollWaitMs(run.vms));
      if (last.transitions > 0) run.failures.push({ phase: 'steady polls', message: `an unchanged poll (the warm-up) published ${last.transitions} changes` });
      let before = { poll: last, redisCalls: await stack.redisCalls(), cacheSeconds: await cacheSeconds(started.apiUrl) };
      resetPeakRss(bridge.pid);
      for (let repeat = 0; repeat < repeats; repeat++) {
        progress(`${label}: steady poll ${repeat + 1}/${repeats} (interval ${intervalSeconds} s)`);
        const poll = await bridge.poll(pollIndex++, pollWaitMs(run.vms));
        const after = { poll, redisCalls: await stack.redisCalls(), cacheSeconds: await cacheSeconds(started.apiUrl) };
        resetPeakRss(bridge.pid);
        if (poll.transitions > 0) run.failures.push({ phase: 'steady polls', message: `an unchanged poll published ${poll.transitions} changes` });
        run.steady.wallMs.push(poll.durationMs);
        run.steady.cpuUsPerVm.push(((poll.cpuMs - before.poll.cpuMs) * 1000) / run.vms);
        run.steady.peakRssMb.push(poll.peakRssMb);
        // The INFO call read before counts as one command.
        run.steady.redisCommandsPer1000.push(((after.redisCalls - before.redisCalls - 1) / run.vms) * 1000);
        run.steady.cacheMsPer1000.push(((after.cacheSeconds - before.cacheSeconds) * 1000 * 1000) / run.vms);
        before = after;
        last = poll;
      }
      progress(`${label}: steady poll ${median(run.steady.wallMs).toFixed(0)} ms, ${median(run.steady.cpuUsPerVm).toFixed(1)} µs CPU/VM, peak RSS ${median(run.steady.peakRssMb).toFixed(0)} MB`);
    });

    for (let repeat = 0; repeat < repeats; repeat++) {
      await phase(run, `storm ${repeat + 1}`, async () => {
        // Frozen right after a poll ended: the whole change lands before the next poll, which starts when it is thawed.
        bridge.freeze();
        const on = repeat % 2 === 1;
        progress(`${label}: storm ${repeat + 1}/${repeats}: bridge frozen, turning every VM ${on ? 'on' : 'off'} through the simulator`);
        try {
          await stack.purge(dcmStream.name);
          await platform.changeAll(on, (done) => progress(`${label}: storm ${repeat + 1}: ${done} VMs changed`));
          resetPeakRss(bridge.pid);
        } finally {
          bridge.thaw();
        }
        const cpuBefore = processCpuMs(bridge.pid);
        const poll = await bridge.poll(pollIndex++, pollWaitMs(run.vms));
        const stored = await storedRate(stack);
        run.storm.events.push(stored.events);
        run.storm.eventsPerSecond.push(stored.eventsPerSecond);
        run.storm.wallMs.push(poll.durationMs);
        run.storm.peakRssMb.push(poll.peakRssMb);
        run.storm.cpuUsPerEvent.push(((poll.cpuMs - cpuBefore) * 1000) / Math.max(1, stored.events));
        if (poll.transitions !== run.vms) run.failures.push({ phase: `storm ${repeat + 1}`, message: `the poll published ${poll.transitions} transitions for ${run.vms} changed VMs` });
        progress(`${label}: storm poll ${poll.durationMs} ms, ${stored.events} events stored at ${stored.eventsPerSecond.toFixed(0)}/s, peak RSS ${poll.peakRssMb.toFixed(0)} MB`);
      });
    }
  } finally {
    await bridge.stop().catch(() => undefined);
  }
}

async function measureJetStreamFloor(run: PlatformRun, stack: BenchStack, cleanup: Cleanup): Promise<void> {
  for (let repeat = 0; repeat < repeats; repeat++) {
    await phase(run, `JetStream floor ${repeat + 1}`, async () => {
      await stack.resetStream(floorStream);
      const answer = await runFloor<{ stored: number; peakRssMb: number }>(
        floorScripts.jetstream,
        { natsUrl: stack.nats.url, subject: 'floor.vm', count: run.vms, bodyBytes: run.eventBytes ?? 400, window: maxInFlight },
        cleanup,
        60_000 + run.vms * 5,
      );
      if (answer.stored !== run.vms) throw new Error(`the JetStream floor stored ${answer.stored} of ${run.vms} events`);
      run.jetstreamFloor.eventsPerSecond.push(await floorStoredRate(stack, run.vms));
      run.jetstreamFloor.peakRssMb.push(answer.peakRssMb);
    });
  }
  await stack.resetStream(floorStream).catch(() => undefined);
  progress(`${run.platform} ${run.vms}: JetStream floor ${median(run.jetstreamFloor.eventsPerSecond).toFixed(0)} events/s`);
}

/** Stream storage rate of what the last floor stored into the floor stream. */
async function floorStoredRate(stack: BenchStack, expected: number): Promise<number> {
  const reading = await stack.read(floorStream.name);
  const seconds = (reading.lastMs - reading.firstMs) / 1000;
  if (reading.messages !== expected) throw new Error(`the floor stored ${reading.messages} of ${expected} events`);
  return (reading.messages - 1) / seconds;
}

/** The least a storm poll does (bench/floors/storm-floor.ts), on the fetch floor's listing. */
async function measureStormFloor(platform: BenchPlatform, run: PlatformRun, stack: BenchStack, cleanup: Cleanup): Promise<void> {
  const listing = platform.fetchFloors.find((floor) => floor.slot === 'fetchFloor');
  const samples = run.stormFloor;
  if (!listing || !samples) return;
  for (let repeat = 0; repeat < repeats; repeat++) {
    await phase(run, `storm floor ${repeat + 1}`, async () => {
      await stack.resetStream(floorStream);
      const settings: StormFloorSettings = {
        ...platform.floorSettings(listing.kind, 1, pageSize),
        natsUrl: stack.nats.url,
        streamName: floorStream.name,
        subject: 'floor.vm',
        bodyBytes: run.eventBytes ?? 400,
        window: maxInFlight,
        redisUrl: stack.redis.url,
        keyPrefix: 'bench-storm-floor',
        recordBytes: run.recordBytes ?? 200,
      };
      const answer = await runFloor<{ stored: number; peakRssMb: number }>(floorScripts.storm, settings, cleanup, 120_000 + run.vms * 20);
      if (answer.stored !== run.vms) throw new Error(`the storm floor stored ${answer.stored} of ${run.vms} events`);
      samples.eventsPerSecond.push(await floorStoredRate(stack, run.vms));
      samples.peakRssMb.push(answer.peakRssMb);
    });
  }
  await stack.resetStream(floorStream).catch(() => undefined);
  progress(`${run.platform} ${run.vms}: storm floor ${median(samples.eventsPerSecond).toFixed(0)} events/s`);
}

async function measureRedisFloor(run: PlatformRun, stack: BenchStack, cleanup: Cleanup): Promise<void> {
  await phase(run, 'Redis floor', async () => {
    const answer = await runFloor<{ mgetMs: number; multiSetMs: number }>(floorScripts.redis, { redisUrl: stack.redis.url, prefix: 'bench-floor', recordBytes: run.recordBytes ?? 200, rounds: 9 }, cleanup, 60_000);
    Object.assign(run, { redisFloor: answer });
  });
}

async function measurePlatform(name: BenchPlatformName, vms: number, stack: BenchStack, workDir: string, cleanup: Cleanup): Promise<PlatformRun> {
  const run = emptyRun(name, vms);
  let platform: BenchPlatform | undefined;
  let disposePlatform: () => Promise<void> = () => Promise.resolve();
  await phase(run, 'simulator and seeding', async () => {
    progress(`${name} ${vms}: starting the simulator and seeding ${vms} managed VMs`);
    const started = await startBenchPlatform(name);
    platform = started;
    disposePlatform = cleanup.add(`${name} simulator`, () => started.dispose());
    await started.seed(vms);
  });
  if (!platform) return run;
  try {
    await measureFetchFloors(platform, run, cleanup);
    await phase(run, 'bridge', () => measureBridge(platform as BenchPlatform, run, stack, workDir, cleanup));
    await measureJetStreamFloor(run, stack, cleanup);
    await measureStormFloor(platform, run, stack, cleanup);
    await measureRedisFloor(run, stack, cleanup);
  } finally {
    await disposePlatform();
  }
  return run;
}

/** A bare Node HTTP server, the start-up floor: what Node itself costs to listen. */
function startBareServer(): Promise<{ cpuMs: number; rssMb: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', "require('node:http').createServer(() => {}).listen(0, '127.0.0.1', () => console.error('listening'))"], { stdio: ['ignore', 'ignore', 'pipe'] });
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line !== 'listening' || !child.pid) return;
      const reading = { cpuMs: processCpuMs(child.pid), rssMb: processMemory(child.pid).rssMb };
      child.kill('SIGKILL');
      resolvePromise(reading);
    });
    child.once('error', reject);
  });
}

async function measureStartup(stack: BenchStack, workDir: string, cleanup: Cleanup): Promise<StartupSamples> {
  const startup: StartupSamples = { bridgeCpuMs: [], bridgeRssMb: [], floorCpuMs: [], floorRssMb: [], failures: [] };
  const configPath = join(workDir, 'no-endpoints.yaml');
  writeFileSync(configPath, bridgeConfig(stack, 'bench-startup', ''));
  for (let repeat = 0; repeat < repeats; repeat++) {
    await phase(startup, `start-up ${repeat + 1}`, async () => {
      const bridge = startBenchBridge(configPath, {}, cleanup);
      try {
        const listening = await bridge.listening;
        startup.bridgeCpuMs.push(listening.cpuMs);
        startup.bridgeRssMb.push(listening.rssMb);
      } finally {
        await bridge.stop();
      }
      const floor = await startBareServer();
      startup.floorCpuMs.push(floor.cpuMs);
      startup.floorRssMb.push(floor.rssMb);
    });
  }
  progress(`start-up: ${median(startup.bridgeCpuMs).toFixed(0)} ms CPU, ${median(startup.bridgeRssMb).toFixed(0)} MB RSS (bare Node: ${median(startup.floorCpuMs).toFixed(0)} ms, ${median(startup.floorRssMb).toFixed(0)} MB)`);
  return startup;
}

async function main(): Promise<void> {
  const cleanup = createCleanup();
  cleanup.onSignals(progress);
  const context: BenchContext = {
    command: `${bridgeSettings()}BENCH_SIZES=${sizes.join(',')} BENCH_PLATFORMS=${platforms.join(',')} BENCH_REPEATS=${repeats} BENCH_PHASES=${phases.join(',')} npm run bench`,
    node: process.versions.node,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    sizes,
    platforms,
    repeats,
    pageSize,
    phases,
    pacing: `Steady polls: the shipped CLI (\`node dist/src/cli.js run\`) at intervalSeconds ${intervalSeconds}, the adapters' floor (in the floors phase, after one uncounted steady poll to warm up, as the fetch floors list once first); a storm is every VM changed through the simulator's control API while the bridge is frozen (SIGSTOP) between two polls`,
    ...(process.env['BENCH_NOTE'] ? { note: process.env['BENCH_NOTE'] } : {}),
  };
  progress(`machine: ${context.cores} cores, Node ${context.node}; sizes ${sizes.join(', ')}; platforms ${platforms.join(', ')}; medians of ${repeats}`);
  const workDir = mkdtempSync(join(tmpdir(), 'dcm-bench-'));
  cleanup.add('work directory', () => rmSync(workDir, { recursive: true, force: true }));
  const runs: PlatformRun[] = [];
  const listingKinds: ListingKindRun[] = [];
  let startup: StartupSamples = { bridgeCpuMs: [], bridgeRssMb: [], floorCpuMs: [], floorRssMb: [], failures: [] };
  let replicas: ReplicasRun | undefined;
  try {
    const stack = await startBenchStack(cleanup);
    if (phases.includes('floors')) startup = await measureStartup(stack, workDir, cleanup);
    for (const name of platforms) {
      for (const vms of sizes) {
        if (phases.includes('floors')) runs.push(await measurePlatform(name, vms, stack, workDir, cleanup));
        if (phases.includes('listing')) {
          listingKinds.push(
            await measureListingKinds({
              platform: name,
              vms,
              repeats,
              intervalSeconds,
              changedPerPoll,
              stack,
              workDir,
              cleanup,
              bridgeConfig: (namespace, endpoints, diff) => bridgeConfig(stack, namespace, endpoints, diff),
              pollWaitMs,
              progress,
              phase,
            }),
          );
        }
      }
    }
    if (phases.includes('replicas')) {
      replicas = await measureReplicas({
        recipe: 'ec2',
        listing: 'EC2 DescribeInstances, full',
        endpoints: replicaEndpoints,
        vmsPerEndpoint: replicaVms,
        replicaCounts,
        intervalSeconds,
        windowSeconds: replicaWindowSeconds,
        stack,
        workDir,
        cleanup,
        bridgeConfig: (namespace, endpoints, extra) => bridgeConfig(stack, namespace, endpoints, 'resyncSeconds: 0', extra),
        progress,
        phase,
      });
    }
  } finally {
    await cleanup.runAll();
  }
  const results: BenchResults = { context, startup, runs, ...(listingKinds.length > 0 ? { listingKinds } : {}), ...(replicas ? { replicas } : {}) };
  writeResults(results, outDir);
  process.stdout.write(renderMarkdown(results));
  progress(`wrote ${join(outDir, 'latest.md')}, latest.json${phases.includes('floors') ? ' and latest.svg' : ''}`);
}

main().catch((error: unknown) => {
  progress(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});

/** The settings that change how the bridge processes run, as they would be typed before the command. */
function bridgeSettings(): string {
  return ['BENCH_BRIDGE_MEMORY_LIMIT', 'BENCH_BRIDGE_NODE_OPTIONS', 'BENCH_BRIDGE_ENV']
    .filter((name) => process.env[name])
    .map((name) => `${name}=${JSON.stringify(process.env[name])} `)
    .join('');
}
