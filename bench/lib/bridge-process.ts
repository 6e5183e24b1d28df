import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { bridgeCliScript } from '../../test/support/cli-process.js';
import type { Cleanup } from './cleanup.js';
import { createMemoryLimit, parseMemoryLimit, type MemoryLimit } from './memory-limit.js';
import { processCpuMs, processMemory } from './proc.js';

/** A poll the bridge reported finished (its `poll` log field), with the process's readings taken as the line arrived. */
export interface PollSample {
  /** `full` or `incremental`, as the report names the poll's listing. */
  readonly kind: string;
  readonly durationMs: number;
  readonly observed: number;
  readonly transitions: number;
  readonly resynced: number;
  /** /proc CPU ms of the bridge when the line was read. */
  readonly cpuMs: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
  /** The bench's Date.now() when the line was read: the poll started about `durationMs` before. */
  readonly arrivedAtMs: number;
  /** Why an endpoint that can list incrementally listed in full (the line's `fullListReason`). */
  readonly fullListReason?: string;
  /** The endpoint the report names (the line's `endpoint`). */
  readonly endpoint?: string;
}

/** Options of {@link startBenchBridge}. */
export interface BenchBridgeOptions {
  /**
   * SIGSTOP the bridge the moment each poll report is read, so whatever is
   * read next (counters, CPU) belongs to that poll alone even when the next
   * poll is already due; the caller `thaw()`s it to let the next poll run.
   */
  readonly pauseAfterEachPoll?: boolean;
}

/** The built bridge CLI as a process, measured only from outside: its log lines, /proc, its HTTP API. */
export interface BenchBridge {
  readonly pid: number;
  /** Resolves once it logged "HTTP API listening on …", with CPU and RSS read at that moment. */
  readonly listening: Promise<{ readonly apiUrl: string; readonly cpuMs: number; readonly rssMb: number }>;
  /** Polls reported so far. */
  polls(): readonly PollSample[];
  /** Resolves with poll number `index` (0 = the first), waiting up to `timeoutMs`. */
  poll(index: number, timeoutMs: number): Promise<PollSample>;
  /** SIGSTOP / SIGCONT: frozen, its timers run late and fire at once when it goes on. */
  freeze(): void;
  thaw(): void;
  /** SIGTERM and wait (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** The last lines of its output, for failure messages. */
  tail(): string;
}

let bridgesStarted = 0;

/**
 * Runs `node <outDir>/src/cli.js run --config F` (as users run it, and as
 * test/support/cli-process.ts does) with `env` besides PATH, and the
 * `BENCH_BRIDGE_*` settings for the bridges alone (node options, variables,
 * stdout, a memory limit). Each JSON log line carrying a poll report is
 * sampled the moment it is read.
 */
export function startBenchBridge(configPath: string, env: Readonly<Record<string, string>>, cleanup: Cleanup, options: BenchBridgeOptions = {}): BenchBridge {
  // BENCH_BRIDGE_NODE_OPTIONS reaches the bridge alone (not the floors), for profiles and heap-flag experiments.
  const nodeOptions = process.env['BENCH_BRIDGE_NODE_OPTIONS'];
  const childEnv = { PATH: process.env['PATH'] ?? '', ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...benchBridgeEnvironment(process.env['BENCH_BRIDGE_ENV']), ...env };
  // BENCH_BRIDGE_STDOUT appends the bridge's stdout to a file: V8's --trace-gc prints there, the bridge's own log goes to stderr.
  const stdoutPath = process.env['BENCH_BRIDGE_STDOUT'];
  const stdout = stdoutPath ? openSync(stdoutPath, 'a') : 'ignore';
  const command = [process.execPath, bridgeCliScript, 'run', '--config', configPath];
  // BENCH_BRIDGE_MEMORY_LIMIT: the bridge joins a limited cgroup before node starts, as in a container with a memory limit.
  const limitSetting = process.env['BENCH_BRIDGE_MEMORY_LIMIT'];
  const memoryLimit: MemoryLimit | undefined = limitSetting ? createMemoryLimit(`dcm-bench-bridge-${process.pid}-${++bridgesStarted}`, parseMemoryLimit(limitSetting)) : undefined;
  const child = memoryLimit
    ? spawn('/bin/sh', ['-c', 'echo $$ > "$1" && shift && exec "$@"', 'sh', memoryLimit.procsFile, ...command], { env: childEnv, stdio: ['ignore', stdout, 'pipe'] })
    : spawn(process.execPath, command.slice(1), { env: childEnv, stdio: ['ignore', stdout, 'pipe'] });
  // The child holds its own copy of the descriptor.
  if (typeof stdout === 'number') closeSync(stdout);
  const stderr = child.stderr;
  if (!stderr) throw new Error('the bridge process has no stderr pipe');
  const pid = child.pid ?? -1;
  const samples: PollSample[] = [];
  const lastLines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('close', () => resolve()));
  void exit.then(() => {
    exited = true;
    if (memoryLimit) {
      const kills = memoryLimit.oomKills();
      if (kills > 0) lastLines.push(`the kernel's out-of-memory killer acted ${kills} time(s) in the bridge's cgroup (BENCH_BRIDGE_MEMORY_LIMIT=${limitSetting})`);
      try {
        memoryLimit.remove();
      } catch {
        // A process of the group may still be exiting; an empty group left behind holds nothing.
      }
    }
    for (const waiter of [...waiters]) waiter();
  });
  const undo = cleanup.add(`bridge ${pid}`, async () => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exit;
  });

  let announce: (value: { apiUrl: string; cpuMs: number; rssMb: number }) => void = () => undefined;
  let refuse: (error: Error) => void = () => undefined;
  const listening = new Promise<{ apiUrl: string; cpuMs: number; rssMb: number }>((resolve, reject) => {
    announce = resolve;
    refuse = reject;
  });
  listening.catch(() => undefined);
  void exit.then(() => refuse(new Error(`the bridge exited before its API listened:\n${lastLines.join('\n')}`)));

  createInterface({ input: stderr }).on('line', (line) => {
    lastLines.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
    if (lastLines.length > 40) lastLines.shift();
    if (!line.startsWith('{')) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const listeningOn = typeof entry['msg'] === 'string' ? /^HTTP API listening on (\S+)/.exec(entry['msg']) : null;
    if (listeningOn?.[1]) {
      const memory = processMemory(pid);
      announce({ apiUrl: listeningOn[1], cpuMs: processCpuMs(pid), rssMb: memory.rssMb });
    }
    const report = entry['poll'] as Record<string, unknown> | undefined;
    if (report && typeof report === 'object' && typeof report['durationMs'] === 'number') {
      if (options.pauseAfterEachPoll) child.kill('SIGSTOP');
      const memory = processMemory(pid);
      samples.push({
        kind: String(report['kind'] ?? 'full'),
        arrivedAtMs: Date.now(),
        ...(typeof entry['fullListReason'] === 'string' ? { fullListReason: entry['fullListReason'] } : {}),
        ...(typeof entry['endpoint'] === 'string' ? { endpoint: entry['endpoint'] } : {}),
        durationMs: report['durationMs'],
        observed: Number(report['observed'] ?? 0),
        transitions: Number(report['transitions'] ?? 0),
        resynced: Number(report['resynced'] ?? 0),
        cpuMs: processCpuMs(pid),
        ...memory,
      });
      for (const waiter of [...waiters]) waiter();
    }
  });

  return {
    pid,
    listening,
    polls: () => samples,
    poll: (index, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no poll #${index + 1} reported within ${Math.round(timeoutMs / 1000)} s; last output:\n${lastLines.slice(-8).join('\n')}`));
        }, timeoutMs);
        const check = (): void => {
          const sample = samples[index];
          if (sample) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(sample);
          } else if (exited) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the bridge exited before poll #${index + 1}; last output:\n${lastLines.slice(-8).join('\n')}`));
          }
        };
        waiters.add(check);
        check();
      }),
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(killer);
      await undo();
    },
    tail: () => lastLines.join('\n'),
  };
}

/**
 * `BENCH_BRIDGE_ENV="NAME=value NAME2=value2"`: variables for the bridge
 * processes alone, for trades no Node flag reaches (the C library's
 * allocator reads `MALLOC_*` when the process starts).
 */
export function benchBridgeEnvironment(setting: string | undefined): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of (setting ?? '').split(/\s+/).filter(Boolean)) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new Error(`BENCH_BRIDGE_ENV: "${pair}" is not NAME=value`);
    variables[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return variables;
}
