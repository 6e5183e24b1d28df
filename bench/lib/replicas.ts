import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisCommand } from '../../test/support/servers.js';
import { startBenchBridge, type BenchBridge } from './bridge-process.js';
import type { Cleanup } from './cleanup.js';
import { startBenchPlatform, type BenchPlatform, type BenchRecipeName } from './platforms.js';
import { processCpuPreciseMs } from './proc.js';
import type { ReplicaReading, ReplicaStep, ReplicasRun } from './results.js';
import { dcmStream, type BenchStack } from './stack.js';

/** What the replicas phase needs from the bench around it. */
export interface ReplicasSettings {
  /** The simulator every endpoint lists (EC2: one request a poll, no relisting window). */
  readonly recipe: BenchRecipeName;
  readonly listing: string;
  readonly endpoints: number;
  readonly vmsPerEndpoint: number;
  /** Replica counts, in order; each step adds replicas to the running ones (1 → 2 → 3). */
  readonly replicaCounts: readonly number[];
  readonly intervalSeconds: number;
  readonly windowSeconds: number;
  readonly stack: BenchStack;
  readonly workDir: string;
  readonly cleanup: Cleanup;
  /** The bench's bridge configuration with one more top-level block (`cluster:`). */
  bridgeConfig(namespace: string, endpoints: string, extra: string): string;
  progress(line: string): void;
  phase(run: { failures: ReplicasRun['failures'] }, name: string, work: () => Promise<void>): Promise<void>;
}

/** Redis's own counters, read with one INFO (its commandstats count that INFO: subtracted by the reader). */
interface RedisReading {
  readonly cpuMs: number;
  readonly commands: number;
  readonly netBytes: number;
}

async function readRedis(stack: BenchStack): Promise<RedisReading> {
  const info = await redisCommand(stack.redis, 'info', 'cpu', 'stats', 'commandstats');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return {
    cpuMs: (field('used_cpu_sys') + field('used_cpu_user')) * 1000,
    commands: [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0),
    netBytes: field('total_net_input_bytes') + field('total_net_output_bytes'),
  };
}

/** The nats-server process listening on `port`, found by its command line (the harness does not hand out its pid). */
function natsPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('nats-server') && argv.includes(String(port))) return Number(entry);
    } catch {
      // A process that ended while /proc was read.
    }
  }
  return undefined;
}

const cpuOf = (pid: number | undefined): number => (pid === undefined ? Number.NaN : processCpuPreciseMs(pid));

/** `dcm_bridge_owned_endpoints` and `dcm_bridge_cluster_members` from a replica's /metrics. */
async function clusterGauges(apiUrl: string): Promise<{ owned: number; members: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  return { owned: value(/^dcm_bridge_owned_endpoints\{[^}]*\} (\S+)$/m), members: value(/^dcm_bridge_cluster_members (\S+)$/m) };
}

/** Gives every endpoint its own name (`aws` → `aws-7`): each is its own cache state, lease and poll. */
function numberedEndpoints(platform: BenchPlatform, count: number, intervalSeconds: number): string {
  const one = platform.endpointYaml(intervalSeconds);
  return Array.from({ length: count }, (_, index) => one.replace(/name: (\S+)/, `name: $1-${index}`)).join('');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * #15 must-show 5: `endpoints` endpoints on one simulator process (each
 * listing the same `vmsPerEndpoint` managed VMs, so every poll is the same
 * work), polled at the shipped CLI's floor by replicas in cluster mode on the
 * bench's Redis and NATS. The first replica starts alone; each step adds
 * replicas up to the next count, waits until the live ones agree on the
 * membership and own every endpoint between them plus one interval (so each
 * endpoint was polled by its new owner), then measures a fixed window:
 * per replica its poll reports, the endpoints they name, its owned-endpoints
 * gauge and its CPU; Redis CPU, commands and network bytes; nats-server and
 * simulator CPU. An endpoint polled by two replicas in a window, or by none,
 * is a failure of the step.
 */
export async function measureReplicas(settings: ReplicasSettings): Promise<ReplicasRun> {
  const { stack, cleanup, progress, phase, intervalSeconds, windowSeconds, endpoints } = settings;
  const run: ReplicasRun = { platform: settings.recipe, listing: settings.listing, endpoints, vmsPerEndpoint: settings.vmsPerEndpoint, intervalSeconds, windowSeconds, steps: [], failures: [] };
  const label = `replicas (${endpoints} ${settings.recipe} endpoints × ${settings.vmsPerEndpoint} VMs)`;
  const bridges: Array<{ id: string; bridge: BenchBridge; apiUrl: string }> = [];
  let platform: BenchPlatform | undefined;
  const undo: Array<() => Promise<void>> = [];
  try {
    await phase(run, 'simulator and seeding', async () => {
      progress(`${label}: starting the ${settings.recipe} simulator, seeding ${settings.vmsPerEndpoint} managed VMs`);
      const started = await startBenchPlatform(settings.recipe);
      undo.unshift(cleanup.add(`${settings.recipe} simulator (replicas)`, () => started.dispose()));
      await started.seed(settings.vmsPerEndpoint);
      platform = started;
    });
    if (!platform) return run;
    const simulator = platform;
    await stack.resetStream(dcmStream);
    const namespace = `bench-replicas-${Date.now().toString(36)}`;
    const endpointYaml = numberedEndpoints(simulator, endpoints, intervalSeconds);
    const nats = natsPid(stack.nats.port);

    for (const count of settings.replicaCounts) {
      await phase(run, `${count} replica(s)`, async () => {
        while (bridges.length < count) {
          const id = `bench-r${bridges.length}`;
          const configPath = join(settings.workDir, `replicas-${id}.yaml`);
          writeFileSync(configPath, settings.bridgeConfig(namespace, endpointYaml, `cluster: { enabled: true, replicaId: ${id} }`));
          const bridge = startBenchBridge(configPath, simulator.bridgeEnv, cleanup);
          const { apiUrl } = await bridge.listening;
          bridges.push({ id, bridge, apiUrl });
          progress(`${label}: replica ${id} (pid ${bridge.pid}) listening`);
        }
        // Settled: every replica counts them all, and between them they own every endpoint.
        const settleBy = Date.now() + 120_000 + endpoints * 200;
        for (;;) {
          const gauges = await Promise.all(bridges.map((entry) => clusterGauges(entry.apiUrl)));
          if (gauges.every((gauge) => gauge.members === count) && gauges.reduce((sum, gauge) => sum + gauge.owned, 0) === endpoints) break;
          if (Date.now() > settleBy) throw new Error(`ownership did not settle: owned ${gauges.map((gauge) => gauge.owned).join(' + ')} of ${endpoints}, members seen ${gauges.map((gauge) => gauge.members).join(', ')}`);
          await sleep(500);
        }
        // One interval more (and a margin): every endpoint's first poll by its new owner is behind us.
        await sleep(intervalSeconds * 1000 + 2000);
        progress(`${label}: ${count} replica(s) own all ${endpoints} endpoints; measuring ${windowSeconds} s`);

        const startMs = Date.now();
        const pollsBefore = bridges.map((entry) => entry.bridge.polls().length);
        const cpuBefore = bridges.map((entry) => processCpuPreciseMs(entry.bridge.pid));
        const redisBefore = await readRedis(stack);
        const natsBefore = cpuOf(nats);
        const simulatorBefore = cpuOf(simulator.simulator.pid);
        await sleep(windowSeconds * 1000);
        const cpuAfter = bridges.map((entry) => processCpuPreciseMs(entry.bridge.pid));
        const natsAfter = cpuOf(nats);
        const simulatorAfter = cpuOf(simulator.simulator.pid);
        const redisAfter = await readRedis(stack);
        const seconds = (Date.now() - startMs) / 1000;
        const gauges = await Promise.all(bridges.map((entry) => clusterGauges(entry.apiUrl)));

        const pollers = new Map<string, Set<string>>();
        const perReplica: ReplicaReading[] = bridges.map((entry, index) => {
          const polls = entry.bridge.polls().slice(pollsBefore[index]).filter((poll) => poll.arrivedAtMs <= startMs + seconds * 1000);
          const names = new Set(polls.map((poll) => poll.endpoint ?? '?'));
          for (const name of names) pollers.set(name, (pollers.get(name) ?? new Set()).add(entry.id));
          return {
            replica: entry.id,
            polls: polls.length,
            endpointsPolled: names.size,
            ownedEndpoints: gauges[index]?.owned ?? Number.NaN,
            cpuMs: (cpuAfter[index] ?? Number.NaN) - (cpuBefore[index] ?? Number.NaN),
            vmsListed: polls.reduce((sum, poll) => sum + poll.observed, 0),
          };
        });
        const step: ReplicaStep = {
          replicas: count,
          windowSeconds: seconds,
          perReplica,
          redisCpuMs: redisAfter.cpuMs - redisBefore.cpuMs,
          // The INFO read before the window counts as one command.
          redisCommands: redisAfter.commands - redisBefore.commands - 1,
          redisNetBytes: redisAfter.netBytes - redisBefore.netBytes,
          natsCpuMs: natsAfter - natsBefore,
          simulatorCpuMs: simulatorAfter - simulatorBefore,
          endpointsPolledByTwo: [...pollers.values()].filter((set) => set.size > 1).length,
          endpointsNotPolled: endpoints - pollers.size,
        };
        run.steps.push(step);
        const polls = perReplica.reduce((sum, reading) => sum + reading.polls, 0);
        progress(
          `${label}: ${count} replica(s): ${(polls / seconds).toFixed(2)} polls/s (${perReplica.map((reading) => `${reading.replica} ${reading.polls} polls, ${(reading.cpuMs / seconds / 10).toFixed(1)} % CPU`).join('; ')}); Redis ${(step.redisCpuMs / seconds / 10).toFixed(1)} % CPU, ${(step.redisCommands / seconds).toFixed(0)} commands/s`,
        );
        if (step.endpointsPolledByTwo > 0) throw new Error(`${step.endpointsPolledByTwo} endpoint(s) were polled by two replicas in the window`);
        if (step.endpointsNotPolled > 0) throw new Error(`${step.endpointsNotPolled} endpoint(s) were not polled in the window`);
      });
      if (run.steps.length === 0 || run.steps[run.steps.length - 1]?.replicas !== count) break;
    }
  } finally {
    for (const entry of bridges.reverse()) await entry.bridge.stop().catch(() => undefined);
    for (const step of undo) await step();
  }
  return run;
}
