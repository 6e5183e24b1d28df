import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real server process started for a test, on a free loopback port. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process (SIGKILL, a crash, paused or not) and waits for it to exit: its clients' connections drop at once. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
  /** Freezes the process (SIGSTOP): clients' bytes wait in the socket, unanswered, until {@link resume}. */
  pause(): void;
  /** Lets a paused process go on (SIGCONT): it handles what arrived meanwhile. */
  resume(): void;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until something listens on a loopback port, for at most 15 s;
 * fails at once when `alive` says the process exited, with `describe()` (its output).
 */
export async function waitForPort(port: number, alive: () => boolean, describe: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`exited before listening on ${port}:\n${describe()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`did not listen on ${port} within 15 s:\n${describe()}`);
}

/** PEM files a test server presents and checks clients against. */
export interface ServerTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA of client certificates. */
  readonly caFile: string;
  /** Require a client certificate signed by `caFile` (mutual TLS). */
  readonly verifyClients?: boolean;
}

/** Who may use a test Redis. */
export interface RedisServerOptions {
  /** `requirepass`: the password of Redis's `default` user. */
  readonly requirePass?: string;
  /** One ACL rule list per user, as `redis-server --user` takes it: `['bridge', 'on', '>secret', '~*', '+@all']`. */
  readonly aclUsers?: ReadonlyArray<readonly string[]>;
  /** TLS only (`--tls-port`, the plain port closed); the url becomes `rediss://`. */
  readonly tls?: ServerTlsFiles;
}

/** Who may use a test NATS server. */
export interface NatsServerOptions {
  /** One user with a password (`--user`, `--pass`). */
  readonly user?: { readonly name: string; readonly password: string };
  /** Users known by their nkey public key (`U…`), in the config file's `authorization` block. */
  readonly nkeyUsers?: readonly string[];
  /**
   * Operator (decentralized JWT) mode: the operator JWT, the system account's
   * public key, and the account JWTs a memory resolver preloads, by public key.
   */
  readonly operator?: { readonly jwt: string; readonly systemAccount: string; readonly accounts: Readonly<Record<string, string>> };
  /** TLS required of every client (`--tls`). */
  readonly tls?: ServerTlsFiles;
  /** One user with a password who may publish anywhere but on these subjects (the config file's `permissions`). */
  readonly restrictedUser?: { readonly name: string; readonly password: string; readonly publishDenied: readonly string[] };
}

async function startProcess(name: string, command: string, args: (port: number, dir: string) => string[], scheme: string): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), `dcm-${name}-`));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    let output = '';
    const started = spawn(command, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    started.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    started.once('error', (error) => (output += `\n${String(error)}`));
    child = started;
    await waitForPort(port, () => started.exitCode === null, () => `${name}: ${output}`);
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
    });
  };
  const stop = (): Promise<void> => end('SIGTERM');
  await launch();
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    stop,
    kill: () => end('SIGKILL'),
    restart: launch,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async dispose() {
      child?.kill('SIGCONT');
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `redis-server` with no persistence on a free port; `options` add passwords, ACL users and TLS. */
export function startRedis(options: RedisServerOptions = {}): Promise<TestServer> {
  const access = (): string[] => [
    ...(options.requirePass === undefined ? [] : ['--requirepass', options.requirePass]),
    ...(options.aclUsers ?? []).flatMap((rules) => ['--user', ...rules]),
  ];
  const { tls } = options;
  const listen = (port: number): string[] =>
    tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.verifyClients ? 'yes' : 'no']
      : ['--port', String(port)];
  return startProcess('redis', 'redis-server', (port, dir) => [...listen(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...access()], tls ? 'rediss' : 'redis');
}

/** Starts `nats-server -js` with its JetStream store in a temp directory (kept across restart); `options` add users and TLS. */
export function startNats(options: NatsServerOptions = {}): Promise<TestServer> {
  const { tls } = options;
  const flags = (dir: string): string[] => [
    ...(options.user ? ['--user', options.user.name, '--pass', options.user.password] : []),
    ...(tls ? ['--tls', '--tlscert', tls.certFile, '--tlskey', tls.keyFile, '--tlscacert', tls.caFile, ...(tls.verifyClients ? ['--tlsverify'] : [])] : []),
    ...(options.nkeyUsers || options.operator || options.restrictedUser ? ['-c', writeNatsConfig(dir, options)] : []),
  ];
  return startProcess('nats', 'nats-server', (port, dir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir, ...flags(dir)], 'nats');
}

/** What the command line cannot say (nkey users, operator mode) goes into a config file in the server's directory. */
function writeNatsConfig(dir: string, options: NatsServerOptions): string {
  const lines: string[] = [];
  if (options.nkeyUsers) lines.push(`authorization { users = [ ${options.nkeyUsers.map((nkey) => `{ nkey: ${nkey} }`).join(', ')} ] }`);
  if (options.restrictedUser) {
    const { name, password, publishDenied } = options.restrictedUser;
    lines.push(`authorization { users = [ { user: ${JSON.stringify(name)}, password: ${JSON.stringify(password)}, permissions: { publish: { deny: ${JSON.stringify(publishDenied)} } } } ] }`);
  }
  if (options.operator) {
    lines.push(`operator: ${options.operator.jwt}`, `system_account: ${options.operator.systemAccount}`, 'resolver: MEMORY');
    lines.push(`resolver_preload: {\n${Object.entries(options.operator.accounts).map(([account, jwt]) => `  ${account}: ${jwt}`).join('\n')}\n}`);
  }
  const file = join(dir, 'nats-server.conf');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Runs one command on a test Redis with `redis-cli` (Debian's redis-tools, installed with redis-server). */
export function redisCommand(server: Pick<TestServer, 'port'>, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    // 'close', not 'exit': the output pipes are read to the end first (on a busy machine 'exit' can come before the reply).
    child.once('close', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`redis-cli ${args.join(' ')} exited ${code}: ${output}`))));
  });
}
