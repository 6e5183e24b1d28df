import { createBridgeApi, createBridgeEndpoints, createTargetConnectCheck, createTargetPolicy, createTargetPreflight, type ApiServer, type Resolver } from '../../src/api/index.js';
import type { Bridge } from '../../src/bridge/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import { loadConfig } from '../../src/config/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { capturedBridgeLogger, instances, type Harness } from '../support/harness.js';
import { plantedSecrets } from './secrets.js';

/** The platforms registrations may name: the built-in adapters and the tests' `file` platform. */
export const fuzzAdapterList = [...builtinAdapters(), createFileAdapter({ minimumIntervalSeconds: 1 })];

/** A running bridge and its API, and every log line they wrote. */
export interface ApiUnderFuzz {
  readonly baseUrl: string;
  readonly logLines: string[];
  stop(): Promise<void>;
}

/**
 * The bridge with its API over the harness's real Redis and NATS, wired as
 * `main.ts` wires it (one target policy for registrations, the poll
 * preflight and every platform socket), the production logger (redaction
 * on) writing into memory, a `file` endpoint from the configuration with
 * VMs to page through, and planted secrets in the API tokens, the
 * credential key and the configuration's credentials. Registrations may
 * point only at TEST-NET-1 (`api.allowedTargets`), and host names resolve
 * through `resolver` (default: to nothing), so nothing the fuzzer registers
 * reaches a real network.
 */
export async function startApiUnderFuzz(harness: Harness, options: { readonly resolver?: Resolver } = {}): Promise<ApiUnderFuzz> {
  const { logger, lines: logLines } = capturedBridgeLogger('debug');
  const clock = createSystemClock();
  const adapters = createAdapterRegistry(fuzzAdapterList);
  harness.setPlatform('lab', { instances: instances(120), pageSize: 40 });
  const api = `api: { listen: "127.0.0.1:0", writeToken: "${plantedSecrets.apiWriteToken}", readToken: "${plantedSecrets.apiReadToken}", maxBodyBytes: 4096, allowedTargets: ["192.0.2.0/24"], credentialKeys: [{ id: fuzz, key: "${plantedSecrets.credentialKey}" }] }`;
  const { config } = loadConfig({ yaml: { text: harness.configYaml({ endpoints: ['lab'], extra: api }), origin: 'api-fuzz' }, env: { TEST_PLATFORM_TOKEN: plantedSecrets.fileToken }, adapters });
  const targets = createTargetPolicy(config.api, options.resolver ?? (async () => []));
  const bridge: Bridge = await harness.bridge(config, { logger, adapters, preflight: createTargetPreflight(targets), targetCheckFor: createTargetConnectCheck(targets) });
  const registrations = createBridgeEndpoints({ config, bridge, adapters, clock, logger, targets });
  await registrations.load();
  await bridge.start();
  const server: ApiServer = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: '0.0.0-fuzz' });
  const baseUrl = await server.listen();
  return {
    baseUrl,
    logLines,
    async stop() {
      await server.close();
      await bridge.stop();
    },
  };
}
