import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../support/servers.js';

/**
 * A `redis-server` or `nats-server` the fault suite may kill, freeze and
 * start again on the same port and data directory. `test/support/servers.ts`
 * stops its servers with SIGTERM only and hides their directory; faults need
 * SIGKILL, SIGSTOP and the files a restart loads.
 */
export interface ChaosServer {
  readonly url: string;
  readonly port: number;
  /** Where the server keeps its data (Redis's RDB and AOF, the JetStream store). */
  readonly dataDir: string;
  /** True between a start and the process's exit. */
  isRunning(): boolean;
  /** Starts the process (again) and waits until its port accepts connections. */
  start(): Promise<void>;
  /** Sends `signal` (SIGKILL by default) and waits for the exit; a frozen process is thawed first so SIGTERM is handled. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the port stays open, nothing is answered. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
  /** Output of the current process (last 8 kB), for failure messages. */
  output(): string;
  /** Kills the process and removes its data directory. */
  dispose(): Promise<void>;
}

/** How a chaos Redis keeps its data across a restart. */
export type RedisPersistence =
  /** Only what `SAVE` wrote is loaded again (`dump.rdb`), as a Redis with snapshots only. */
  | 'snapshot'
  /** Every write is in the append-only file before it is acknowledged (`appendfsync always`): a SIGKILL loses nothing. */
  | 'append-only';

/** Options of {@link startChaosRedis}. */
export interface ChaosRedisOptions {
  readonly persistence: RedisPersistence;
  /** `requirepass`: the bridge's `cache.password`, planted for the secret scan. */
  readonly password: string;
}

/** Options of {@link startChaosNats}. */
export interface ChaosNatsOptions {
  /** The one user the broker accepts; the password is planted for the secret scan. */
  readonly user: string;
  readonly password: string;
}

/** Starts `redis-server` on a free loopback port with the given persistence and password. */
export async function startChaosRedis(options: ChaosRedisOptions): Promise<ChaosServer & { command(...args: string[]): Promise<string>; monitor(onLine: (line: string) => void): RedisMonitor }> {
  const persistence = options.persistence === 'append-only' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const server = await startServerProcess('redis', 'redis', (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--requirepass', options.password]);
  return {
    ...server,
    command: (...args) => runRedisCli(server.port, options.password, args),
    monitor: (onLine) => monitorRedis(server.port, options.password, onLine),
  };
}

/** A `redis-cli monitor` watching every command Redis executes, in the order it executes them. */
export interface RedisMonitor {
  /** Resolves once the monitor is attached (Redis answered `OK`), so nothing after it is missed. */
  readonly attached: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Streams Redis's `MONITOR` output line by line to `onLine` (a transaction's
 * commands appear at its `EXEC`, in order): a fault scenario audits from it
 * what the bridge wrote and in which order, without a race against the bridge.
 */
function monitorRedis(port: number, password: string, onLine: (line: string) => void): RedisMonitor {
  const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'monitor'], { env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: password }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  let seenMarker = false;
  // redis-cli prints nothing when MONITOR starts: a marker command seen in the output says it is attached.
  const marker = `chaos-monitor-attached-${port}`;
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.includes(marker)) seenMarker = true;
      else onLine(line);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const attached = (async () => {
    const deadline = Date.now() + 10_000;
    while (!seenMarker) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-cli monitor on ${port} did not attach`);
      await runRedisCli(port, password, ['ECHO', marker]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    attached,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts `nats-server -js` on a free loopback port, its JetStream store kept across restarts, one user with a password. */
export function startChaosNats(options: ChaosNatsOptions): Promise<ChaosServer> {
  return startServerProcess('nats', 'nats', (port, dir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir, '--user', options.user, '--pass', options.password]);
}

async function startServerProcess(command: 'redis' | 'nats', scheme: string, args: (port: number, dir: string) => string[]): Promise<ChaosServer> {
  const binary = command === 'redis' ? 'redis-server' : 'nats-server';
  const dataDir = mkdtempSync(join(tmpdir(), `dcm-chaos-${command}-`));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child) throw new Error(`${binary} on ${port} is already running`);
    output = '';
    const started = spawn(binary, args(port, dataDir), { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8000));
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    started.once('error', (error) => (output += `\n${String(error)}`));
    child = started;
    exited = new Promise((resolve) =>
      started.once('exit', () => {
        if (child === started) child = undefined;
        resolve();
      }),
    );
    await waitForPort(port, () => child === started, () => `${binary}: ${output}`);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child;
    if (!running) return;
    if (signal !== 'SIGKILL') running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    dataDir,
    isRunning: () => child !== undefined,
    start,
    kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    output: () => output,
    async dispose() {
      await kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function runRedisCli(port: number, password: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The password through the environment (REDISCLI_AUTH), not argv, where `ps` would show it.
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env: { PATH: process.env['PATH'] ?? '', REDISCLI_AUTH: password }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`redis-cli ${args.join(' ')} exited ${code}: ${output}`))));
  });
}
