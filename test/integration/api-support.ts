import { createBridgeApi, createBridgeEndpoints, type BridgeEndpoints, type Resolver } from '../../src/api/index.js';
import type { Bridge } from '../../src/bridge/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import { loadConfig, type AdapterLookup, type BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { capturedBridgeLogger, type Harness } from '../support/harness.js';

/** Bearer tokens of the API tests (long enough for the config's minimum). */
export const writeToken = 'write-token-0123456789abcdef';
export const readToken = 'read-token-0123456789abcdef';

/** Names the tests' fake DNS knows; every other name does not resolve. */
export const fakeDns: Readonly<Record<string, readonly string[]>> = {
  'platform.example': ['93.184.216.34'],
  'metadata.example': ['169.254.169.254'],
  'sneaky.example': ['93.184.216.34', '10.1.2.3'],
  'v6metadata.example': ['fd00:ec2::254'],
};

export const fakeResolver: Resolver = async (host) => fakeDns[host] ?? [];

/** The adapters the harness's bridges use, for configs loaded here. */
const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 1 })]);

/** The key sealing registration credentials in these tests (32 bytes in base64; a fixture, not a secret). */
export const testCredentialKey = { id: 'api-test', key: Buffer.alloc(32, 7).toString('base64') } as const;

/**
 * A harness config with the API on a free loopback port and
 * {@link testCredentialKey} sealing registration credentials (unless `api`
 * says how credentials are kept). `env` adds `DCM_BRIDGE_*` overrides (the
 * harness YAML already sets some sections).
 */
export function apiConfig(harness: Harness, options: { endpoints?: readonly string[]; api?: string; env?: Record<string, string> } = {}): BridgeConfig {
  const keyed = /credentialKeys|allowPlaintextCredentials/.test(options.api ?? '') ? [] : [`credentialKeys: [{ id: ${testCredentialKey.id}, key: "${testCredentialKey.key}" }]`];
  const apiKeys = [`listen: "127.0.0.1:0"`, `writeToken: ${writeToken}`, ...keyed, ...(options.api ? [options.api] : [])];
  const extra = `api: { ${apiKeys.join(', ')} }\n`;
  const text = harness.configYaml({ endpoints: options.endpoints ?? ['lab'], extra });
  return loadConfig({ yaml: { text, origin: 'api-test' }, env: { TEST_PLATFORM_TOKEN: 'platform-token-secret-value', ...options.env }, adapters }).config;
}

/** A bridge with its API, on the harness's Redis and NATS; its log lines are kept (production logger, redaction on). */
export interface ApiUnderTest {
  readonly bridge: Bridge;
  readonly registrations: BridgeEndpoints;
  readonly baseUrl: string;
  readonly logLines: string[];
  /** `fetch` of `path` with JSON body and bearer token conveniences. */
  call(method: string, path: string, options?: { body?: unknown; raw?: string; token?: string | null; contentType?: string }): Promise<{ status: number; contentType: string; text: string; json: () => Record<string, unknown> }>;
  stop(): Promise<void>;
}

export async function startApi(harness: Harness, config: BridgeConfig, options: { start?: boolean; adapters?: AdapterLookup } = {}): Promise<ApiUnderTest> {
  const { logger, lines: logLines } = capturedBridgeLogger('debug');
  const clock = createSystemClock();
  const bridge = await harness.bridge(config, { logger });
  const registrations = createBridgeEndpoints({ config, bridge, adapters: options.adapters ?? adapters, clock, logger, resolver: fakeResolver });
  await registrations.load();
  if (options.start !== false) await bridge.start();
  const api = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: '0.0.0-test' });
  const baseUrl = await api.listen();
  return {
    bridge,
    registrations,
    baseUrl,
    logLines,
    async call(method, path, callOptions = {}) {
      const token = callOptions.token === undefined ? writeToken : callOptions.token;
      const headers: Record<string, string> = {};
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      let body: string | undefined;
      if (callOptions.raw !== undefined) body = callOptions.raw;
      else if (callOptions.body !== undefined) body = JSON.stringify(callOptions.body);
      if (body !== undefined) headers['content-type'] = callOptions.contentType ?? 'application/json';
      const response = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await response.text();
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) as Record<string, unknown> };
    },
    async stop() {
      await api.close();
      await bridge.stop();
    },
  };
}

/** Waits until `condition` holds, checking every 50 ms; fails after `limitMs` with `what`. */
export async function eventually<T>(what: string, condition: () => Promise<T | undefined | false> | T | undefined | false, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The body of a `file` endpoint registration whose state file the harness writes for `name`. */
export function fileRegistration(harness: Harness, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { platform: 'file', file: `${harness.dir}/${name}.json`, interval_seconds: 1, credentials: { token: `${name}-credential-secret` }, ...extra };
}
