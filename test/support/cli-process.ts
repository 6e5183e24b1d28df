import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compiledSupportDir = dirname(fileURLToPath(import.meta.url));

/**
 * The built bridge CLI, run exactly as the Dockerfile runs it
 * (`node <outDir>/src/cli.js`). Resolved from this compiled module, so it is
 * the CLI of whichever build the tests run from (`dist/`, `dist-<name>/`).
 */
export const bridgeCliScript = join(compiledSupportDir, '..', '..', 'src', 'cli.js');

/**
 * The built example consumer (`examples/jetstream-consumer.ts`), run as its
 * README runs it: `node <outDir>/examples/jetstream-consumer.js --server URL`.
 */
export const exampleConsumerScript = join(compiledSupportDir, '..', '..', 'examples', 'jetstream-consumer.js');

/** The built standalone simulator CLIs (`test/simulators/<platform>/cli.ts`). */
export const simulatorCliScripts = {
  openstack: join(compiledSupportDir, '..', 'simulators', 'openstack', 'cli.js'),
  vsphere: join(compiledSupportDir, '..', 'simulators', 'vsphere', 'cli.js'),
  ec2: join(compiledSupportDir, '..', 'simulators', 'ec2', 'cli.js'),
} as const;

/** How a child process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A Node script running as a child process, its output collected. */
export interface ChildNodeProcess {
  readonly pid: number;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Settles once the process exited. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /**
   * Resolves to the match of the first line of `stream` that matches
   * `pattern` (lines already written count); rejects, quoting the output,
   * when the process exits first or `timeoutMs` pass.
   */
  waitForLine(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` and waits for the exit; `elapsedMs` counts from the signal. Rejects after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit & { readonly elapsedMs: number }>;
  /** Teardown: SIGKILL if it still runs, then wait for the exit. */
  dispose(): Promise<void>;
}

/** Options of {@link spawnNodeScript}. */
export interface SpawnOptions {
  /** The child's whole environment besides PATH: nothing leaks in from the test runner's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `node <script> ...args` with piped output. */
export function spawnNodeScript(script: string, args: readonly string[], options: SpawnOptions = {}): ChildNodeProcess {
  const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env['PATH'] ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  const lineWaiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...lineWaiters]) waiter();
  };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
    notify();
  });
  let running = true;
  const exited = new Promise<ProcessExit>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': the output pipes are read to the end first.
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
      notify();
    });
  });
  const describeOutput = (): string => `\n--- stdout ---\n${output.stdout.slice(-4000)}\n--- stderr ---\n${output.stderr.slice(-4000)}`;

  const waitForLine: ChildNodeProcess['waitForLine'] = (stream, pattern, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const line of output[stream].split('\n')) {
          const match = line.match(pattern);
          if (match) {
            finish();
            resolve(match);
            return true;
          }
        }
        if (!running) {
          finish();
          reject(new Error(`process ${child.pid} exited before writing a line matching ${String(pattern)} to ${stream}${describeOutput()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no line matching ${String(pattern)} on ${stream} of process ${child.pid} within ${timeoutMs} ms${describeOutput()}`));
      }, timeoutMs);
      const waiter = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        lineWaiters.delete(waiter);
      };
      lineWaiters.add(waiter);
      check();
    });

  return {
    pid: child.pid ?? -1,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    isRunning: () => running,
    waitForLine,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      const sentAt = performance.now();
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process ${child.pid} still runs ${timeoutMs} ms after ${signal}${describeOutput()}`)), timeoutMs);
      });
      try {
        const exit = await Promise.race([exited, timeout]);
        return { ...exit, elapsedMs: performance.now() - sentAt };
      } finally {
        clearTimeout(timer);
      }
    },
    async dispose() {
      if (running) child.kill('SIGKILL');
      await exited.catch(() => undefined);
    },
  };
}

/** A bridge CLI process whose HTTP API listens. */
export interface BridgeCliProcess extends ChildNodeProcess {
  /** The API's base URL, as the bridge logged it (`http://127.0.0.1:41234`). */
  readonly apiUrl: string;
  /** stderr's JSON log lines so far, parsed (other lines are left out). */
  logLines(): Array<Record<string, unknown>>;
}

/** Parses the JSON log lines of a bridge's stderr; human lines are skipped. */
export function parseLogLines(stderr: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut by the process's exit.
    }
  }
  return lines;
}

/**
 * Runs `node <outDir>/src/cli.js run --config <configPath>` and waits until
 * its HTTP API listens, reading the URL from the bridge's "HTTP API
 * listening on …" log line: the config can say `api.listen: 127.0.0.1:0`,
 * so no port is guessed and none can be taken by someone else meanwhile.
 * Needs `log.level` info or lower.
 */
export async function startBridgeRun(configPath: string, options: SpawnOptions & { readonly listenTimeoutMs?: number } = {}): Promise<BridgeCliProcess> {
  const bridge = spawnNodeScript(bridgeCliScript, ['run', '--config', configPath], options);
  try {
    const [, address] = await bridge.waitForLine('stderr', /"msg":"HTTP API listening on (https?:\/\/[^"\s]+)"/, options.listenTimeoutMs ?? 20_000);
    return { ...bridge, apiUrl: address ?? '', logLines: () => parseLogLines(bridge.stderr()) };
  } catch (error) {
    await bridge.dispose();
    throw error;
  }
}

/** Runs a short bridge command (`once`, `validate-config`) to its end; `elapsedMs` is its wall time. Killed after `timeoutMs`. */
export async function runBridgeCommand(args: readonly string[], options: SpawnOptions & { readonly timeoutMs?: number } = {}): Promise<ProcessExit & { readonly stdout: string; readonly stderr: string; readonly elapsedMs: number }> {
  const startedAt = performance.now();
  const command = spawnNodeScript(bridgeCliScript, args, options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const killer = setTimeout(() => void command.dispose(), timeoutMs);
  try {
    const exit = await command.exited;
    return { ...exit, stdout: command.stdout(), stderr: command.stderr(), elapsedMs: performance.now() - startedAt };
  } finally {
    clearTimeout(killer);
  }
}

/** A platform simulator running as its own process. */
export interface SimulatorProcess extends ChildNodeProcess {
  /** Its origin (`http://127.0.0.1:40123`), as it printed it. */
  readonly url: string;
}

/**
 * Runs a standalone simulator CLI on a free port (`--port 0`) and waits for
 * its "… listening on <url>" line.
 */
export async function startSimulatorProcess(platform: keyof typeof simulatorCliScripts, args: readonly string[]): Promise<SimulatorProcess> {
  const simulator = spawnNodeScript(simulatorCliScripts[platform], ['--port', '0', ...args]);
  try {
    const [, url] = await simulator.waitForLine('stdout', /listening on (https?:\/\/\S+)/);
    return { ...simulator, url: url ?? '' };
  } catch (error) {
    await simulator.dispose();
    throw error;
  }
}

/** Options of {@link bridgeConfigYaml}. */
export interface BridgeConfigOptions {
  /** Redis URL; empty for the in-memory cache. */
  readonly cacheUrl: string;
  /** Redis key prefix; a fresh one by default, the same one to let a second process see the first's state. */
  readonly namespace?: string;
  /** NATS URL; undefined for the stdout publisher. */
  readonly natsUrl?: string;
  readonly ackTimeoutSeconds?: number;
  /** Keys inside `api: { … }` besides `listen: "127.0.0.1:0"`. */
  readonly api?: string;
  /** Keys inside `scheduler: { … }` besides `jitterRatio: 0`. */
  readonly scheduler?: string;
  /** The YAML list under `endpoints:` (indented by two spaces), or none. */
  readonly endpoints?: string;
}

/** A bridge configuration for process tests: the API on a free loopback port, info logs, no jitter. */
export function bridgeConfigYaml(options: BridgeConfigOptions): string {
  const publisher = options.natsUrl === undefined ? '{ kind: stdout }' : `{ kind: nats, url: "${options.natsUrl}", jetstream: true, ackTimeoutSeconds: ${options.ackTimeoutSeconds ?? 2} }`;
  return `provider: { name: process-test }
cache: { url: "${options.cacheUrl}", namespace: ${options.namespace ?? `ns-${Math.random().toString(36).slice(2)}`} }
publisher: ${publisher}
scheduler: { jitterRatio: 0${options.scheduler ? `, ${options.scheduler}` : ''} }
api: { listen: "127.0.0.1:0"${options.api ? `, ${options.api}` : ''} }
log: { level: info }
endpoints:${options.endpoints ? `\n${options.endpoints}` : ' []'}
`;
}

/** The YAML of one OpenStack endpoint on a simulator process; its password comes from `$OS_PASSWORD`. */
export function openstackEndpointYaml(name: string, simulatorUrl: string, credentials: { readonly username: string; readonly userDomainName: string; readonly projectName: string; readonly projectDomainName: string }): string {
  return `  - name: ${name}
    platform: openstack
    url: ${simulatorUrl}/identity/v3
    intervalSeconds: 10
    credentials:
      username: ${credentials.username}
      password: \${env:OS_PASSWORD}
      userDomainName: ${credentials.userDomainName}
      projectName: ${credentials.projectName}
      projectDomainName: ${credentials.projectDomainName}
`;
}
