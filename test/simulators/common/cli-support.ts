// Pieces shared by the standalone simulator CLIs (`<platform>/cli.ts`): the options every
// simulator takes, where to listen, the churn timer, shutdown on a signal and the failure exit.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RunningServer, StartOptions, TlsMaterial } from './simulator-server.js';

/** `parseArgs` options every simulator CLI takes; spread them into the CLI's own. */
export const SHARED_CLI_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'churn-seconds': { type: 'string' },
  seed: { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** `parseArgs` option declarations, as a CLI declares its own. */
export type CliOptionDeclarations = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `process.argv` with {@link SHARED_CLI_OPTIONS} plus the CLI's own `platformOptions`.
 * @throws TypeError for an unknown option or a missing value (Node's `parseArgs` errors).
 */
export function parseSimulatorArguments<const PlatformOptions extends CliOptionDeclarations>(platformOptions: PlatformOptions) {
  return parseArgs({ options: { ...SHARED_CLI_OPTIONS, ...platformOptions } }).values;
}

/** The listening options as given on the command line (strings, or undefined when left out). */
export interface ListenArguments {
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  readonly 'tls-key'?: string | undefined;
  readonly 'tls-cert'?: string | undefined;
}

/**
 * Reads the value of `--<name>` as a non-negative integer (digits only), or `fallback` when the
 * option is absent.
 * @throws Error naming the option when the value is not a non-negative integer.
 */
export function nonNegativeIntegerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(value)) {
    throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

/**
 * Reads the PEM files of `--tls-key` and `--tls-cert`: undefined when both are absent (plain HTTP).
 * @throws Error when only one of the two is given, or a file cannot be read.
 */
export function readTlsFiles(keyFile: string | undefined, certFile: string | undefined): TlsMaterial | undefined {
  if (keyFile === undefined || certFile === undefined) {
    if (keyFile !== certFile) {
      throw new Error('--tls-key and --tls-cert go together');
    }
    return undefined;
  }
  return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/**
 * Turns `--port`, `--host`, `--tls-key` and `--tls-cert` into the simulator's start options:
 * `defaultPort` and 127.0.0.1 unless told otherwise, HTTPS when a key and certificate are given.
 */
export function readListenOptions(args: ListenArguments, defaultPort: number): StartOptions {
  const port = nonNegativeIntegerOption(args.port, 'port', defaultPort);
  const tls = readTlsFiles(args['tls-key'], args['tls-cert']);
  return { port, host: args.host ?? '127.0.0.1', ...(tls === undefined ? {} : { tls }) };
}

/** The settings every simulator CLI reads: churn period, RNG seed and where to listen. */
export interface SharedCliSettings {
  /** `--churn-seconds`; 0 (the default) means no churn. */
  readonly churnSeconds: number;
  /** `--seed` of the churn and fault RNG; default 1. */
  readonly seed: number;
  /** `--port`, `--host`, `--tls-key` and `--tls-cert`, see {@link readListenOptions}. */
  readonly listen: StartOptions;
}

/**
 * Reads `--churn-seconds`, `--seed` and the listening options (see {@link readListenOptions}).
 * @throws Error naming the first malformed option.
 */
export function readSharedSettings(args: ListenArguments & { readonly 'churn-seconds'?: string | undefined; readonly seed?: string | undefined }, defaultPort: number): SharedCliSettings {
  const churnSeconds = nonNegativeIntegerOption(args['churn-seconds'], 'churn-seconds', 0);
  const seed = nonNegativeIntegerOption(args.seed, 'seed', 1);
  return { churnSeconds, seed, listen: readListenOptions(args, defaultPort) };
}

/**
 * Calls `churnOnce` every `everySeconds` seconds; no timer when `everySeconds` is 0 or there are
 * no `candidates` to churn.
 */
export function startChurnTimer(everySeconds: number, candidates: readonly unknown[], churnOnce: () => void): NodeJS.Timeout | undefined {
  return everySeconds > 0 && candidates.length > 0 ? setInterval(churnOnce, everySeconds * 1000) : undefined;
}

/** On Ctrl-C or a kill (SIGINT, SIGTERM): stops the churn timer, closes the listener and exits with status 0. */
export function closeOnSignal(running: RunningServer, churn: NodeJS.Timeout | undefined): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      clearInterval(churn);
      void running.close().finally(() => process.exit(0));
    });
  }
}

/** Runs a CLI's `main`; if it fails, prints the error's message and the usage text and exits with status 2. */
export function runSimulatorCli(main: () => Promise<void>, usage: string): void {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.error(usage);
    process.exit(2);
  });
}
