import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { PlatformAdapter } from './adapter/index.js';
import type { ApiServer, EndpointService, RegistrationFollower } from './api/index.js';
import type { Bridge } from './bridge/index.js';
import { createSystemClock, type Clock } from './clock/index.js';
import { loadConfigFile, type BridgeConfig, type LoadedConfig } from './config/index.js';
import { ErrorCode, isBridgeError } from './errors/index.js';
import type { Logger } from './logger/index.js';
import { builtinAdapters, createAdapterRegistry } from './registry/index.js';

/** What a command needs from its surroundings; the CLI passes the process's, tests their own. */
export interface CommandIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  /** Human messages and, unless redirected by `logDestination`, the JSON log. */
  readonly stderr: Writable;
  /** Registers the handler of SIGTERM/SIGINT; `run` stops cleanly when it fires. */
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
  -v, --version      print the version

Every key can be set from the environment: publisher.url → DCM_BRIDGE_PUBLISHER_URL,
and DCM_BRIDGE_ENDPOINTS may hold the endpoint list as JSON or YAML.
`,
  run: `Usage: dcm-poll-bridge run [--config FILE]

Polls every endpoint on its schedule, publishes changes and commits them once
acknowledged, and serves the HTTP API on api.listen (endpoint registration,
observed VMs, health, readiness, metrics); registers with DCM when
dcm.registrationUrl is set. On SIGTERM/SIGINT it closes the API, stops
scheduling, lets in-flight publishes finish and commit, logs out of the
platforms and exits 0.
`,
  once: `Usage: dcm-poll-bridge once [--config FILE] [--resync]

Polls every endpoint once, publishes the changes and commits what the broker
acknowledged. Exits 0 only if every endpoint was polled and every change was
acknowledged; 1 otherwise.

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

function defaultConfigPath(env: CommandIo['env']): string {
  if (env['DCM_BRIDGE_CONFIG']) return env['DCM_BRIDGE_CONFIG'];
  const local = resolve('config', 'default.yaml');
  return existsSync(local) ? local : join(packageRoot, 'config', 'default.yaml');
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

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Parses `io.argv`, runs the command and resolves to its exit code. Never throws for bad input. */
export async function runCommand(io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...io.argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        resync: { type: 'boolean' },
      },
    });
  } catch (error) {
    write(io.stderr, `dcm-poll-bridge: ${(error as Error).message}\n\n${usage['main']}`);
    return ExitCode.Usage;
  }
  const [command = 'run', ...extra] = parsed.positionals;
  if (parsed.values.version) {
    write(io.stdout, version());
    return ExitCode.Ok;
  }
  if (!(command in usage) || command === 'main') {
    write(io.stderr, `dcm-poll-bridge: unknown command "${command}"\n\n${usage['main']}`);
    return ExitCode.Usage;
  }
  if (parsed.values.help) {
    write(io.stdout, usage[command === 'run' && !parsed.positionals.length ? 'main' : command] ?? '');
    return ExitCode.Ok;
  }
  if (extra.length > 0) {
    write(io.stderr, `dcm-poll-bridge: unexpected argument(s): ${extra.join(' ')}\n\n${usage[command]}`);
    return ExitCode.Usage;
  }
  if (parsed.values.resync && command !== 'once') {
    write(io.stderr, `dcm-poll-bridge: --resync only applies to "once"`);
    return ExitCode.Usage;
  }

  const adapters = createAdapterRegistry(io.adapters ?? builtinAdapters());
  const configPath = parsed.values.config ?? defaultConfigPath(io.env);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigFile(configPath, { env: io.env, adapters });
  } catch (error) {
    if (isBridgeError(error)) {
      write(io.stderr, `dcm-poll-bridge: ${error.message}`);
      return ExitCode.Usage;
    }
    throw error;
  }
  const { config, warnings } = loaded;

  if (command === 'validate-config') {
    for (const warning of warnings) write(io.stderr, `warning: ${warning}`);
    const endpoints = config.endpoints.map((endpoint) => `  - ${endpoint.name} (${endpoint.platform}, every ${endpoint.intervalSeconds} s)`).join('\n');
    write(io.stdout, `${configPath}: valid\nprovider: ${config.provider.name}\npublisher: ${config.publisher.kind}${config.publisher.kind === 'nats' ? ` ${config.publisher.url}` : ''}\ncache: ${config.cache.url || '(in memory)'}\nendpoints (${config.endpoints.length}):${endpoints ? '\n' + endpoints : ' none'}`);
    return ExitCode.Ok;
  }

  // Only run and once get here: the bridge, the API and what they bring (Redis, NATS, fastify, pino) load for them alone, so validate-config stays light.
  const [{ createLogger }, { createBridge }, { createBridgeEndpoints, createTargetConnectCheck, createTargetPolicy, createTargetPreflight }] = await Promise.all([import('./logger/index.js'), import('./bridge/index.js'), import('./api/index.js')]);
  const logger = createLogger({ level: config.log.level, destination: io.logDestination ?? io.stderr, base: { provider: config.provider.name } });
  for (const warning of warnings) logger.warn(warning);
  const clock = io.clock ?? createSystemClock();

  // One target policy for registrations, the check before each poll of a registered endpoint and its platform sockets.
  const targets = createTargetPolicy(config.api);
  let bridge: Bridge;
  try {
    bridge = await createBridge(config, { adapters, clock, logger, stdout: io.stdout, preflight: createTargetPreflight(targets), targetCheckFor: createTargetConnectCheck(targets) });
  } catch (error) {
    // The cache's own errors do not say which Redis; the operator needs to know which URL to check.
    const where = isBridgeError(error) && error.code === ErrorCode.CacheFailed ? ` (cache.url ${serverLocation(config.cache.url)})` : '';
    logger.error({ err: error }, `the bridge could not start${where}`);
    write(io.stderr, `dcm-poll-bridge: cannot start: ${(error as Error).message}${where}`);
    return isBridgeError(error) ? ExitCode.Failed : ExitCode.Internal;
  }

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
    return isBridgeError(error) ? ExitCode.Failed : ExitCode.Internal;
  }

  return command === 'once' ? runOnceCommand(bridge, logger, parsed.values.resync ?? false, io) : runForever({ bridge, config, registrations, follower, clock, logger, io });
}

async function runOnceCommand(bridge: Bridge, logger: Logger, resync: boolean, io: CommandIo): Promise<number> {
  const interrupted = new AbortController();
  io.onShutdownSignal?.((signal) => interrupted.abort(new Error(`interrupted by ${signal}`)));
  try {
    io.onStarted?.(bridge);
    const result = await bridge.runOnce({ resync, signal: interrupted.signal });
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

interface RunContext {
  readonly bridge: Bridge;
  readonly config: BridgeConfig;
  readonly registrations: EndpointService;
  readonly follower: RegistrationFollower | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly io: CommandIo;
}

async function runForever({ bridge, config, registrations, follower, clock, logger, io }: RunContext): Promise<number> {
  const stopped = new Promise<string>((resolve) => io.onShutdownSignal?.(resolve));
  await bridge.start();
  // Listen first, then tell the caller: the API is what keeps `run` serving, with or without endpoints.
  const { createBridgeApi } = await import('./api/index.js');
  let api: ApiServer;
  let apiUrl: string;
  try {
    api = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: version() });
    apiUrl = await api.listen();
  } catch (error) {
    logger.error({ err: error, listen: config.api.listen }, `the HTTP API cannot listen on ${config.api.listen}`);
    write(io.stderr, `dcm-poll-bridge: the HTTP API cannot listen on ${config.api.listen}: ${(error as Error).message}`);
    await follower?.stop();
    await bridge.stop();
    return ExitCode.Failed;
  }
  io.onApiListening?.(apiUrl);
  const { createDcmRegistrar, providerRegistration } = await import('./dcm-registration/index.js');
  const registrar = config.dcm.registrationUrl
    ? createDcmRegistrar({
        registrationUrl: config.dcm.registrationUrl,
        registration: providerRegistration({ providerName: config.provider.name, ...config.api, ...config.dcm }),
        periodMs: config.dcm.registrationIntervalSeconds * 1000,
        clock,
        logger: logger.child({ component: 'dcm-registration' }),
        onOutcome: (outcome) => bridge.metrics.dcmRegistrations.inc({ outcome: outcome.kind }),
      })
    : undefined;
  registrar?.start();
  io.onStarted?.(bridge);
  const signal = await stopped;
  logger.info({ signal }, 'shutting down: closing the API, no new polls; finishing in-flight publishes');
  await registrar?.stop();
  // No registry change may land while the bridge stops.
  await follower?.stop();
  await api.close();
  await bridge.stop();
  return ExitCode.Ok;
}
