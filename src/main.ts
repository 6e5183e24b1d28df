import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { PlatformAdapter } from './adapter/index.js';
import type { ApiServer, EndpointService, RegistrationFollower } from './api/index.js';
import type { Bridge } from './bridge/index.js';
import { formatBuildInfo, readBuildInfo } from './build-info/index.js';
import type { Clock } from './clock/index.js';
import type { BridgeConfig } from './config/index.js';
import type { Logger } from './logger/index.js';
import type { AdapterRegistry } from './registry/index.js';

// Only light modules are imported above (types vanish when compiled): `--help`, `--version` and bad usage are
// answered before the configuration, the adapters' descriptions or the bridge load. Each later phase imports what it
// needs when it gets there.

/** What a command needs from its surroundings; the CLI passes the process's, tests their own. */
export interface CommandIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  /** Human messages and, unless redirected by `logDestination`, the JSON log. */
  readonly stderr: Writable;
  /**
   * Registers the handler of SIGTERM/SIGINT; called once per command, first thing, so a signal that arrives during
   * start-up stops the command too. A handler registered after a signal arrived should be called at once.
   */
  readonly onShutdownSignal?: (handler: (signal: string) => void) => void;
  /** Adapters to use instead of the built-in ones (tests). */
  readonly adapters?: readonly PlatformAdapter[];
  readonly clock?: Clock;
  /** Where the JSON log goes (default: stderr). */
  readonly logDestination?: Writable;
  /** Called once the bridge runs (tests reach into it to stop it). */
  readonly onStarted?: (bridge: Bridge) => void;
  /** Called with the API's base URL once it listens (`run`). */
  readonly onApiListening?: (url: string) => void;
  /** The Node.js version running the command (`24.1.0`), for `dcm_bridge_build_info`; the CLI passes the process's. */
  readonly nodeVersion?: string;
  /**
   * The working and home directories, where the OpenStack adapter looks for clouds.yaml (with `OS_CLIENT_CONFIG_FILE`
   * from `env`); the CLI passes the process's. Without them no clouds.yaml is read, and an endpoint naming a cloud says so.
   */
  readonly directories?: { readonly cwd: string; readonly homeDir: string };
}

/** Exit codes: 0 success, 1 a poll or publish failed (`once`), 2 bad usage or configuration, 70 internal error. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2, Internal: 70 } as const;

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const usage: Readonly<Record<string, string>> = {
  main: `Usage: dcm-poll-bridge [command] [options]

Polls legacy platforms for the VMs DCM manages and publishes their state
changes as CloudEvents on NATS.

Commands:
  run               poll every endpoint on its schedule until SIGTERM/SIGINT (default)
  once              poll every endpoint once, publish, commit and exit
  validate-config   check the configuration and exit

Options:
  -c, --config FILE  YAML configuration (default: $DCM_BRIDGE_CONFIG or config/default.yaml)
  -h, --help         show help (also after a command)
  -v, --version      print the version and the git commit it was built from

Every key can be set from the environment: publisher.url → DCM_BRIDGE_PUBLISHER_URL,
and DCM_BRIDGE_ENDPOINTS may hold the endpoint list as JSON or YAML.
`,
  run: `Usage: dcm-poll-bridge run [--config FILE]

Polls every endpoint on its schedule, publishes changes and commits them once
acknowledged, and serves the HTTP API on api.listen (endpoint registration,
observed VMs, health, readiness, metrics); registers with DCM when
dcm.registrationUrl is set. On SIGTERM/SIGINT it closes the API, stops
scheduling, lets in-flight publishes finish and commit, logs out of the
platforms and exits 0; a signal during start-up closes what was opened so far
and exits 0 too. A second signal ends the process at once.
`,
  once: `Usage: dcm-poll-bridge once [--config FILE] [--resync]

Polls every endpoint once, publishes the changes and commits what the broker
acknowledged. Exits 0 only if every endpoint was polled and every change was
acknowledged; 1 otherwise, also when SIGTERM/SIGINT interrupted it.

  --resync   also re-publish unchanged states (fresh event ids)
`,
  'validate-config': `Usage: dcm-poll-bridge validate-config [--config FILE]

Loads and validates the configuration, resolving \${env:...} and \${file:...}
references. Prints every problem with its key path and exits 2, or prints a
summary and exits 0. Secrets are never printed.
`,
};

function write(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

/** A command the bridge runs, as the command line asked for it. */
export type Command = 'run' | 'once' | 'validate-config';

/**
 * What the command line asks for: an answer printed without loading anything (help, version, bad usage) or a
 * command to run.
 */
export type Invocation =
  | { readonly kind: 'answer'; readonly code: number; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly kind: 'command'; readonly command: Command; readonly configPath: string | undefined; readonly resync: boolean };

/** Reads `argv` into an {@link Invocation}. Pure: loads and prints nothing. */
export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        resync: { type: 'boolean' },
      },
    });
  } catch (error) {
    return { kind: 'answer', code: ExitCode.Usage, stream: 'stderr', text: `dcm-poll-bridge: ${(error as Error).message}\n\n${usage['main']}` };
  }
  const [command = 'run', ...extra] = parsed.positionals;
  if (parsed.values.version) return { kind: 'answer', code: ExitCode.Ok, stream: 'stdout', text: formatBuildInfo(readBuildInfo()) };
  if (!(command in usage) || command === 'main') return { kind: 'answer', code: ExitCode.Usage, stream: 'stderr', text: `dcm-poll-bridge: unknown command "${command}"\n\n${usage['main']}` };
  if (parsed.values.help) return { kind: 'answer', code: ExitCode.Ok, stream: 'stdout', text: usage[command === 'run' && !parsed.positionals.length ? 'main' : command] ?? '' };
  if (extra.length > 0) return { kind: 'answer', code: ExitCode.Usage, stream: 'stderr', text: `dcm-poll-bridge: unexpected argument(s): ${extra.join(' ')}\n\n${usage[command]}` };
  if (parsed.values.resync && command !== 'once') return { kind: 'answer', code: ExitCode.Usage, stream: 'stderr', text: `dcm-poll-bridge: --resync only applies to "once"` };
  return { kind: 'command', command: command as Command, configPath: parsed.values.config, resync: parsed.values.resync ?? false };
}

/** SIGTERM/SIGINT as seen by a command: an abort signal, and the signal's name once it came. */
interface Shutdown {
  readonly signal: AbortSignal;
  /** A promise of the signal's name, for the phase that waits for nothing else. */
  readonly requested: Promise<string>;
}

function listenForShutdown(io: CommandIo): Shutdown {
  const controller = new AbortController();
  let announce: (name: string) => void = () => undefined;
  const requested = new Promise<string>((resolve) => (announce = resolve));
  io.onShutdownSignal?.((name) => {
    controller.abort(new Error(`interrupted by ${name}`));
    announce(name);
  });
  return { signal: controller.signal, requested };
}

/** The exit code of a command a signal interrupted: `run` was asked to stop and did; `once` did not do its job. */
const interruptedExit = (command: Command): number => (command === 'run' ? ExitCode.Ok : ExitCode.Failed);

/** Parses `io.argv`, runs the command and resolves to its exit code. Never throws for bad input. */
export async function runCommand(io: CommandIo): Promise<number> {
  const shutdown = listenForShutdown(io);
  const invocation = parseInvocation(io.argv);
  if (invocation.kind === 'answer') {
    write(io[invocation.stream], invocation.text);
    return invocation.code;
  }
  const loaded = await loadConfiguration(io, invocation);
  if (typeof loaded === 'number') return loaded;
  if (invocation.command === 'validate-config') return validateConfigCommand(io, loaded);
  const started = await startBridge(io, loaded, invocation.command, shutdown.signal);
  if (typeof started === 'number') return started;
  return invocation.command === 'once' ? runOnceCommand(started, invocation.resync, shutdown.signal) : runForever(started, shutdown);
}

/** A validated configuration, the file it came from and the adapters it was checked against. */
interface LoadedCommandConfig {
  readonly configPath: string;
  readonly config: BridgeConfig;
  readonly warnings: readonly string[];
  readonly adapters: AdapterRegistry;
}

function defaultConfigPath(env: CommandIo['env']): string {
  if (env['DCM_BRIDGE_CONFIG']) return env['DCM_BRIDGE_CONFIG'];
  const local = resolve('config', 'default.yaml');
  return existsSync(local) ? local : join(packageRoot, 'config', 'default.yaml');
}

/** Phase 1: reads and validates the configuration; an invalid one is printed and ends the command with exit 2. */
async function loadConfiguration(io: CommandIo, invocation: Extract<Invocation, { kind: 'command' }>): Promise<LoadedCommandConfig | number> {
  const [{ loadConfigFile }, { builtinAdapters, createAdapterRegistry }, { isBridgeError }] = await Promise.all([import('./config/index.js'), import('./registry/index.js'), import('./errors/index.js')]);
  const adapters = createAdapterRegistry(io.adapters ?? builtinAdapters(io.directories && { env: io.env, ...io.directories }));
  const configPath = invocation.configPath ?? defaultConfigPath(io.env);
  try {
    return { configPath, adapters, ...loadConfigFile(configPath, { env: io.env, adapters }) };
  } catch (error) {
    if (!isBridgeError(error)) throw error;
    write(io.stderr, `dcm-poll-bridge: ${error.message}`);
    return ExitCode.Usage;
  }
}

function validateConfigCommand(io: CommandIo, { configPath, config, warnings }: LoadedCommandConfig): number {
  for (const warning of warnings) write(io.stderr, `warning: ${warning}`);
  const endpoints = config.endpoints.map((endpoint) => `  - ${endpoint.name} (${endpoint.platform}, every ${endpoint.intervalSeconds} s)`).join('\n');
  write(io.stdout, `${configPath}: valid\nprovider: ${config.provider.name}\npublisher: ${config.publisher.kind}${config.publisher.kind === 'nats' ? ` ${config.publisher.url}` : ''}\ncache: ${config.cache.url || '(in memory)'}\nendpoints (${config.endpoints.length}):${endpoints ? '\n' + endpoints : ' none'}`);
  return ExitCode.Ok;
}

/** A bridge that opened its cache and publisher and loaded its registrations, ready to poll. */
interface StartedBridge {
  readonly io: CommandIo;
  readonly config: BridgeConfig;
  readonly bridge: Bridge;
  readonly registrations: EndpointService;
  readonly follower: RegistrationFollower | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** `scheme://host:port` of a server URL: no credentials, fit for messages. */
function serverLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Phase 2 (`run`, `once`): loads the bridge's modules, opens the cache and the publisher, and loads the endpoint
 * registrations. A shutdown signal meanwhile is honoured between steps: what was opened is closed and the command
 * ends with its interrupted exit code. A step in progress is not cut short; each is bounded (the cache's connect
 * timeout, 5 s, is the longest).
 */
async function startBridge(io: CommandIo, { config, warnings, adapters }: LoadedCommandConfig, command: Command, shutdown: AbortSignal): Promise<StartedBridge | number> {
  if (shutdown.aborted) return interruptedExit(command);
  // The bridge, the API and what they bring (Redis, NATS, fastify, pino) load for run and once alone.
  const [{ createLogger }, { createBridge }, { createBridgeEndpoints, createTargetConnectCheck, createTargetPolicy, createTargetPreflight }, { createSystemClock }, { ErrorCode, isBridgeError }] = await Promise.all([
    import('./logger/index.js'),
    import('./bridge/index.js'),
    import('./api/index.js'),
    import('./clock/index.js'),
    import('./errors/index.js'),
  ]);
  const { createMetrics } = await import('./metrics/index.js');
  const logger = createLogger({ level: config.log.level, destination: io.logDestination ?? io.stderr, base: { provider: config.provider.name } });
  for (const warning of warnings) logger.warn(warning);
  const interrupted = async (...opened: Array<{ stop(): Promise<void> } | undefined>): Promise<number> => {
    logger.info(`shutting down during start-up (${shutdown.reason instanceof Error ? shutdown.reason.message : 'interrupted'}): closing what was opened`);
    for (const part of opened) await part?.stop();
    return interruptedExit(command);
  };
  if (shutdown.aborted) return interrupted();
  const clock = io.clock ?? createSystemClock();

  // One target policy for registrations, the check before each poll of a registered endpoint and its platform sockets.
  const targets = createTargetPolicy(config.api);
  let bridge: Bridge;
  logger.info({ cache: config.cache.url ? serverLocation(config.cache.url) : '(in memory)', publisher: config.publisher.kind === 'nats' ? config.publisher.url.split(',').map(serverLocation).join(',') : config.publisher.kind }, 'starting: opening the cache and the publisher');
  try {
    // The process's runtime metrics (CPU, memory, event loop, GC) for the long-running command only: once ends before a scrape.
    const metrics = createMetrics({ runtime: command === 'run', build: { ...readBuildInfo(), node: io.nodeVersion ?? 'unknown' } });
    bridge = await createBridge(config, { adapters, clock, logger, stdout: io.stdout, preflight: createTargetPreflight(targets), targetCheckFor: createTargetConnectCheck(targets), metrics });
  } catch (error) {
    // The cache's own errors do not say which Redis; the operator needs to know which URL to check.
    const where = isBridgeError(error) && error.code === ErrorCode.CacheFailed ? ` (cache.url ${serverLocation(config.cache.url)})` : '';
    logger.error({ err: error }, `the bridge could not start${where}`);
    write(io.stderr, `dcm-poll-bridge: cannot start: ${(error as Error).message}${where}`);
    if (shutdown.aborted) return interrupted();
    return isBridgeError(error) ? ExitCode.Failed : ExitCode.Internal;
  }
  if (shutdown.aborted) return interrupted(bridge);

  // Endpoints registered over the API are the bridge's endpoints too, for `once` as for `run`.
  const registrations = createBridgeEndpoints({ config, bridge, adapters, clock, logger, targets });
  // A running replica follows the registrations other replicas write; subscribed before loading, so a change made meanwhile is not missed.
  const follower = command === 'run' ? await registrations.follow() : undefined;
  try {
    await registrations.load();
  } catch (error) {
    logger.error({ err: error }, 'the endpoint registrations could not be loaded');
    await follower?.stop();
    await bridge.stop();
    if (shutdown.aborted) return interruptedExit(command);
    return isBridgeError(error) ? ExitCode.Failed : ExitCode.Internal;
  }
  if (shutdown.aborted) return interrupted(follower, bridge);
  return { io, config, bridge, registrations, follower, clock, logger };
}

/** `once`: polls every endpoint one time; a shutdown signal aborts the polls in flight. */
async function runOnceCommand({ io, bridge, logger }: StartedBridge, resync: boolean, shutdown: AbortSignal): Promise<number> {
  try {
    io.onStarted?.(bridge);
    const result = await bridge.runOnce({ resync, signal: shutdown });
    for (const status of result.endpoints) {
      if (!status.lastError) continue;
      logger.error({ endpoint: status.endpoint, error: status.lastError }, `endpoint ${status.endpoint} failed: ${status.lastError.message}`);
      // One plain line per failure beside the JSON log, for whoever runs `once` by hand or from cron.
      write(io.stderr, `dcm-poll-bridge: once: endpoint ${status.endpoint} failed: ${status.lastError.message}`);
    }
    const failed = result.endpoints.filter((status) => status.lastError).map((status) => status.endpoint);
    logger.info({ endpoints: result.endpoints.length, failed }, result.ok ? 'once: every endpoint polled, every change acknowledged' : 'once: not every endpoint succeeded');
    return result.ok ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await bridge.stop();
  }
}

/** `run`: schedules every endpoint, serves the API and registers with DCM until a shutdown signal. */
async function runForever(started: StartedBridge, shutdown: Shutdown): Promise<number> {
  const { io, bridge, follower, logger } = started;
  await bridge.start();
  const api = await listenApi(started);
  if (api === undefined) {
    await follower?.stop();
    await bridge.stop();
    return ExitCode.Failed;
  }
  const registrar = await startDcmRegistration(started);
  io.onStarted?.(bridge);
  const signal = await shutdown.requested;
  logger.info({ signal }, 'shutting down: closing the API, no new polls; finishing in-flight publishes');
  await registrar?.stop();
  // No registry change may land while the bridge stops.
  await follower?.stop();
  await api.close();
  await bridge.stop();
  return ExitCode.Ok;
}

/** Starts the HTTP API and tells the caller its URL; undefined (logged, printed) when it cannot listen. */
async function listenApi({ io, config, bridge, registrations, clock, logger }: StartedBridge): Promise<ApiServer | undefined> {
  const { createBridgeApi } = await import('./api/index.js');
  try {
    const api = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: readBuildInfo().version });
    // Listen first, then tell the caller: the API is what keeps `run` serving, with or without endpoints.
    const url = await api.listen();
    io.onApiListening?.(url);
    return api;
  } catch (error) {
    logger.error({ err: error, listen: config.api.listen }, `the HTTP API cannot listen on ${config.api.listen}`);
    write(io.stderr, `dcm-poll-bridge: the HTTP API cannot listen on ${config.api.listen}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Registers the provider with DCM periodically when dcm.registrationUrl is set; undefined otherwise. */
async function startDcmRegistration({ config, bridge, clock, logger }: StartedBridge): Promise<{ stop(): Promise<void> } | undefined> {
  if (!config.dcm.registrationUrl) return undefined;
  const { createDcmRegistrar, providerRegistration } = await import('./dcm-registration/index.js');
  const registrar = createDcmRegistrar({
    registrationUrl: config.dcm.registrationUrl,
    registration: providerRegistration({ providerName: config.provider.name, ...config.api, ...config.dcm }),
    periodMs: config.dcm.registrationIntervalSeconds * 1000,
    clock,
    logger: logger.child({ component: 'dcm-registration' }),
    onOutcome: (outcome) => bridge.metrics.dcmRegistrations.inc({ outcome: outcome.kind }),
  });
  registrar.start();
  return registrar;
}
