import { formatCount } from './figures.js';
import { formatBytes } from './listing-table.js';
import type { ReplicaStep, ReplicasRun } from './results.js';

/** Per-step figures derived from a {@link ReplicaStep}'s counters: rates per second of the window, costs per poll. */
export interface ReplicaStepFigures {
  readonly replicas: number;
  readonly pollsPerSecond: number;
  readonly pollsPerSecondByReplica: readonly number[];
  /** Each replica's CPU as a share of one core (100 = one core busy). */
  readonly cpuPercentByReplica: readonly number[];
  /** Bridge CPU (all replicas) per poll, ms, and per VM listed, µs. */
  readonly bridgeCpuMsPerPoll: number;
  readonly bridgeCpuUsPerVm: number;
  readonly redisCpuPercent: number;
  readonly redisCommandsPerSecond: number;
  readonly redisCommandsPerPoll: number;
  readonly redisBytesPerPoll: number;
  readonly natsCpuPercent: number;
  readonly simulatorCpuPercent: number;
  /** Everything measured (replicas, Redis, NATS, simulator) as a share of the machine's cores. */
  readonly machinePercent: number;
}

/** Pure arithmetic over one step; a step without polls gives NaN costs, printed as —. */
export function replicaStepFigures(step: ReplicaStep, cores: number): ReplicaStepFigures {
  const seconds = step.windowSeconds;
  const polls = step.perReplica.reduce((sum, reading) => sum + reading.polls, 0);
  const vms = step.perReplica.reduce((sum, reading) => sum + reading.vmsListed, 0);
  const bridgeCpuMs = step.perReplica.reduce((sum, reading) => sum + reading.cpuMs, 0);
  const percent = (ms: number): number => (ms / (seconds * 1000)) * 100;
  const busyMs = bridgeCpuMs + step.redisCpuMs + (Number.isFinite(step.natsCpuMs) ? step.natsCpuMs : 0) + (Number.isFinite(step.simulatorCpuMs) ? step.simulatorCpuMs : 0);
  return {
    replicas: step.replicas,
    pollsPerSecond: polls / seconds,
    pollsPerSecondByReplica: step.perReplica.map((reading) => reading.polls / seconds),
    cpuPercentByReplica: step.perReplica.map((reading) => percent(reading.cpuMs)),
    bridgeCpuMsPerPoll: polls > 0 ? bridgeCpuMs / polls : Number.NaN,
    bridgeCpuUsPerVm: vms > 0 ? (bridgeCpuMs * 1000) / vms : Number.NaN,
    redisCpuPercent: percent(step.redisCpuMs),
    redisCommandsPerSecond: step.redisCommands / seconds,
    redisCommandsPerPoll: polls > 0 ? step.redisCommands / polls : Number.NaN,
    redisBytesPerPoll: polls > 0 ? step.redisNetBytes / polls : Number.NaN,
    natsCpuPercent: percent(step.natsCpuMs),
    simulatorCpuPercent: percent(step.simulatorCpuMs),
    machinePercent: percent(busyMs) / cores,
  };
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const cells = (values: readonly string[]): string => `| ${values.join(' | ')} |`;

/**
 * The "Replicas (#15)" section of latest.md: one row per replica count, what
 * the machine's core count means for them, and the setup. Same input, same
 * text.
 */
export function renderReplicas(run: ReplicasRun | undefined, cores: number): string[] {
  if (!run) return [];
  const lines = ['## Replicas: one set of endpoints polled by 1, 2, 3 bridge processes (#15)', ''];
  lines.push(
    `${formatCount(run.endpoints)} ${run.platform} endpoints (${run.listing}), each listing the same ${formatCount(run.vmsPerEndpoint)} managed VMs of one simulator process, every ${run.intervalSeconds} s (the shipped adapters' floor, so the offered load is ${fixed(run.endpoints / run.intervalSeconds, 1)} polls/s at every replica count); \`cluster.enabled: true\`, one Redis and one nats-server; each step adds a replica to the running ones, waits until they own every endpoint between them and one interval more, then counts ${run.windowSeconds} s. CPU is % of one core.`,
    '',
  );
  lines.push(
    cells(['replicas', 'polls/s (total)', 'polls/s per replica', 'CPU per replica', 'bridge CPU per poll', 'bridge CPU per VM listed', 'Redis CPU', 'Redis commands/s', 'Redis commands per poll', 'Redis bytes per poll', 'nats-server CPU', 'simulator CPU', `all of it, % of ${cores} cores`, 'endpoints polled by two / by none']),
    cells(['---:', '---:', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
  );
  for (const step of run.steps) {
    const figures = replicaStepFigures(step, cores);
    lines.push(
      cells([
        String(step.replicas),
        fixed(figures.pollsPerSecond, 2),
        figures.pollsPerSecondByReplica.map((value) => fixed(value, 2)).join(' / '),
        figures.cpuPercentByReplica.map((value) => `${fixed(value, 1)} %`).join(' / '),
        `${fixed(figures.bridgeCpuMsPerPoll, 2)} ms`,
        `${fixed(figures.bridgeCpuUsPerVm, 1)} µs`,
        `${fixed(figures.redisCpuPercent, 1)} %`,
        fixed(figures.redisCommandsPerSecond, 0),
        fixed(figures.redisCommandsPerPoll, 1),
        formatBytes(figures.redisBytesPerPoll),
        `${fixed(figures.natsCpuPercent, 1)} %`,
        `${fixed(figures.simulatorCpuPercent, 1)} %`,
        `${fixed(figures.machinePercent, 0)} %`,
        `${step.endpointsPolledByTwo} / ${step.endpointsNotPolled}`,
      ]),
    );
  }
  lines.push(
    '',
    `This machine has ${cores} cores. The replicas, Redis, nats-server and the simulator all share them (and, on a shared machine, whatever else runs): ${cores <= 2 ? 'past 2 replicas, a replica can only gain a core another process gives up, so figures for 3 replicas measure contention, not scaling. ' : ''}At the floor's offered load polls/s stays the same at every count when one replica keeps up; what a replica adds is shown by its CPU share going down, and CPU per poll staying flat (the cluster's own cost: heartbeats, lease renewals and fenced writes, is in the per-poll and Redis figures).`,
    '',
  );
  return lines;
}
