import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { createBridge, type Bridge, type BridgeDependencies } from '../../src/bridge/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import { loadConfig, type BridgeConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger/index.js';
import type { RawInstance } from '../../src/adapter/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter, type FilePlatformState } from './file-adapter.js';
import { createDcmStream, type DcmStream } from './jetstream-consumer.js';
import { startNats, startRedis, type TestServer } from './servers.js';

/** Real Redis and NATS for one test file, a temp dir for platform state, and bridge factories. */
export interface Harness {
  readonly redis: TestServer;
  readonly nats: TestServer;
  readonly dcm: DcmStream;
  readonly dir: string;
  /** Writes what the `file` platform of `endpoint` lists from now on. */
  setPlatform(endpoint: string, state: FilePlatformState): void;
  /** YAML for a bridge with `file` endpoints on this harness's servers. */
  configYaml(options?: { endpoints?: readonly string[]; extra?: string; ackTimeoutSeconds?: number }): string;
  config(options?: Parameters<Harness['configYaml']>[0]): BridgeConfig;
  /** An in-process bridge; stopped by `dispose`. */
  bridge(config: BridgeConfig, overrides?: Partial<BridgeDependencies>): Promise<Bridge>;
  /** Runs the real CLI (with the `file` platform) as a child process. */
  runProcess(args: readonly string[], options?: { env?: Record<string, string>; stopAfterMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  dispose(): Promise<void>;
}

/** The compiled bridge process entry, next to this module wherever the build put it. */
export const bridgeProcessScript = join(dirname(fileURLToPath(import.meta.url)), 'bridge-process.js');

/** A pino logger that keeps its lines (for secret scans) and prints nothing. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level }, destination), lines };
}

/** The bridge's own logger (redaction, bounds, labels as `run` logs them) writing into `lines` instead of stdout. */
export function capturedBridgeLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

/** Instances in the `file` platform's shape: `inst-<n>` ids on `vm-<n>` platform ids. */
export function instances(count: number, rawState = 'on', from = 1): RawInstance[] {
  return Array.from({ length: count }, (_, index) => ({ platformId: `vm-${from + index}`, instanceId: `inst-${from + index}`, rawState, name: `web-${from + index}` }));
}

export async function startHarness(): Promise<Harness> {
  const [redis, nats] = await Promise.all([startRedis(), startNats()]);
  const dcm = await createDcmStream(nats.url);
  const dir = mkdtempSync(join(tmpdir(), 'dcm-bridge-test-'));
  const bridges: Bridge[] = [];
  // No floor in-process, so tests may poll back to back; the floor has its own tests (scheduler, processes).
  const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 0 })]);
  const stateFile = (endpoint: string): string => join(dir, `${endpoint}.json`);

  const harness: Harness = {
    redis,
    nats,
    dcm,
    dir,
    setPlatform(endpoint, state) {
      writeFileSync(stateFile(endpoint), JSON.stringify(state));
    },
    configYaml(options = {}) {
      const endpoints = (options.endpoints ?? ['lab'])
        .map((name) => `  - name: ${name}\n    platform: file\n    file: ${stateFile(name)}\n    intervalSeconds: 1\n    credentials: { token: "\${env:TEST_PLATFORM_TOKEN}" }\n`)
        .join('');
      return `provider: { name: test-bridge }
cache: { url: ${redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${nats.url}, jetstream: true, ackTimeoutSeconds: ${options.ackTimeoutSeconds ?? 2} }
scheduler: { jitterRatio: 0 }
${/^api:/m.test(options.extra ?? '') ? '' : 'api: { listen: "127.0.0.1:0" }\n'}log: { level: info }
${options.extra ?? ''}
endpoints:
${endpoints}`;
    },
    config(options) {
      return loadConfig({ yaml: { text: harness.configYaml(options), origin: 'test' }, env: { TEST_PLATFORM_TOKEN: 'platform-token-secret-value' }, adapters }).config;
    },
    async bridge(config, overrides = {}) {
      const bridge = await createBridge(config, { adapters, clock: createSystemClock(), logger: memoryLogger().logger, stdout: new Writable({ write: (_chunk, _encoding, done) => done() }), ...overrides });
      bridges.push(bridge);
      return bridge;
    },
    runProcess(args, options = {}) {
      return new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, [bridgeProcessScript, ...args], { env: { PATH: process.env['PATH'] ?? '', TEST_PLATFORM_TOKEN: 'platform-token-secret-value', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('error', reject);
        if (options.stopAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), options.stopAfterMs);
        child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
      });
    },
    async dispose() {
      await Promise.all(bridges.map((bridge) => bridge.stop().catch(() => undefined)));
      await dcm.close().catch(() => undefined);
      await Promise.all([redis.dispose(), nats.dispose()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Writes a config file into the harness dir and returns its path. */
export function writeConfig(harness: Harness, name: string, yaml: string): string {
  const path = join(harness.dir, name);
  writeFileSync(path, yaml);
  return path;
}

/**
 * Starts a harness before the test file's tests and disposes of it after;
 * returns an accessor, since the harness exists only once `before` ran.
 */
export function useHarness(): () => Harness {
  let harness: Harness | undefined;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness?.dispose();
  });
  return () => {
    if (!harness) throw new Error('the harness is not started yet');
    return harness;
  };
}
