import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bridgeCliScript, spawnNodeScript, type ChildNodeProcess, type ProcessExit } from '../support/cli-process.js';

/** The test entry that lowers the adapters' floor (see `bridge-entry.ts`), beside this module in the build. */
export const chaosBridgeEntry = join(dirname(fileURLToPath(import.meta.url)), 'bridge-entry.js');

/** The floor of the shipped adapters: at or above it the suite runs the unmodified CLI. */
export const shippedFloorSeconds = 10;

/** One process of the bridge, from its start to its exit. */
export interface BridgeIncarnation {
  readonly pid: number;
  readonly startedAt: number;
  /** The signal the suite sent to end it, if it did. */
  endedBy?: 'SIGKILL' | 'SIGTERM';
  exit?: ProcessExit;
  stderr(): string;
  stdout(): string;
}

/** The bridge under test, started, killed and restarted by scenarios. */
export interface ChaosBridge {
  /** Starts a process and waits until its HTTP API listens (it logged the URL). */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no flush; whatever was in flight is cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait; the bridge should exit 0 within `ackTimeoutSeconds` + 5 s. */
  stop(): Promise<void>;
  isRunning(): boolean;
  /** The API's base URL of the running process. */
  apiUrl(): string;
  incarnations(): readonly BridgeIncarnation[];
  /** Kills a process still running. */
  dispose(): Promise<void>;
}

/** Options of {@link createChaosBridge}. */
export interface ChaosBridgeOptions {
  readonly configPath: string;
  /** The process's whole environment besides PATH. */
  readonly env: Readonly<Record<string, string>>;
  /** The endpoints' interval: below the shipped floor the test entry runs with this floor. */
  readonly intervalSeconds: number;
}

/**
 * Runs `node <outDir>/src/cli.js run --config F` (or, for intervals below
 * the shipped 10 s floor, {@link chaosBridgeEntry}, the same CLI with a lower
 * adapter floor) and keeps every incarnation's output and exit for the judge.
 */
export function createChaosBridge(options: ChaosBridgeOptions): ChaosBridge {
  const lowered = options.intervalSeconds < shippedFloorSeconds;
  const script = lowered ? chaosBridgeEntry : bridgeCliScript;
  const env = lowered ? { ...options.env, CHAOS_ADAPTER_FLOOR_SECONDS: String(options.intervalSeconds) } : options.env;
  const incarnations: BridgeIncarnation[] = [];
  let current: { process: ChildNodeProcess; incarnation: BridgeIncarnation; apiUrl: string } | undefined;

  const end = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<void> => {
    const running = current;
    if (!running) return;
    current = undefined;
    running.incarnation.endedBy = signal;
    await running.process.stop(signal, 30_000).catch(async (error: unknown) => {
      await running.process.dispose();
      throw error;
    });
  };

  return {
    async start() {
      if (current) throw new Error('the bridge is already running');
      const child = spawnNodeScript(script, ['run', '--config', options.configPath], { env });
      const incarnation: BridgeIncarnation = { pid: child.pid, startedAt: Date.now(), stderr: child.stderr, stdout: child.stdout };
      incarnations.push(incarnation);
      void child.exited.then((exit) => (incarnation.exit = exit));
      const [, apiUrl] = await child.waitForLine('stderr', /"msg":"HTTP API listening on (https?:\/\/[^"\s]+)"/, 30_000);
      current = { process: child, incarnation, apiUrl: apiUrl ?? '' };
    },
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    isRunning: () => current?.process.isRunning() ?? false,
    apiUrl() {
      if (!current) throw new Error('the bridge is not running');
      return current.apiUrl;
    },
    incarnations: () => incarnations,
    async dispose() {
      await current?.process.dispose();
      current = undefined;
    },
  };
}
