import type { PlatformConnection, RawInstance } from '../../src/adapter/index.js';
import type { Bridge, BridgeDependencies } from '../../src/bridge/index.js';
import { createSystemClock, type Clock } from '../../src/clock/index.js';
import { loadConfig, type BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createOpenstackAdapter, type OpenstackAdapterOptions } from '../../adapters/openstack/index.js';
import { createOpenstackSimulator, type OpenstackSimulator, type OpenstackSimulatorOptions } from '../simulators/openstack/index.js';
import { connectLabAdapter, startSimulatorLab, validateLabEndpoint, type AdapterLabConnection, type SimulatorLab } from './adapter-lab.js';
import type { Harness } from './harness.js';
import type { ReceivedMessage } from './jetstream-consumer.js';

/** A running Keystone + Nova simulator and ways to point openstack endpoints at it. */
export type OpenstackLab = SimulatorLab<OpenstackSimulator, OpenstackEndpointOptions>;

export interface OpenstackEndpointOptions {
  readonly name?: string;
  /** `password` (default) or `application-credential`; `none` leaves credentials out (clouds.yaml tests). */
  readonly auth?: 'password' | 'application-credential' | 'none';
  readonly url?: string | null;
  readonly password?: string;
  readonly extra?: Record<string, unknown>;
  readonly intervalSeconds?: number;
}

/** Starts a simulator (HTTPS when `tls` is given) on a free loopback port. */
export async function startOpenstackLab(options: { simulator?: OpenstackSimulatorOptions; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<OpenstackLab> {
  const simulator = createOpenstackSimulator(options.simulator);
  const { credentials } = simulator;
  return startSimulatorLab(simulator, options.tls, (_running, input: OpenstackEndpointOptions = {}) => {
    const auth = input.auth ?? 'password';
    const password = { username: credentials.username, password: input.password ?? credentials.password, userDomainName: credentials.userDomainName, projectName: credentials.projectName, projectDomainName: credentials.projectDomainName };
    const application = { applicationCredentialId: credentials.applicationCredentialId, applicationCredentialSecret: credentials.applicationCredentialSecret };
    const url = input.url === undefined ? simulator.authUrl() : input.url;
    return {
      name: input.name ?? 'os-lab',
      platform: 'openstack',
      ...(url === null ? {} : { url }),
      intervalSeconds: input.intervalSeconds ?? 10,
      ...(auth === 'none' ? {} : { credentials: auth === 'password' ? password : application }),
      ...input.extra,
    };
  });
}

/** A connection of the OpenStack adapter to an endpoint, with what it reported and logged. */
export type OpenstackLabConnection = AdapterLabConnection;

/** Validates `input` as the bridge does (throws CONFIG_INVALID) and connects the OpenStack adapter to it. */
export function connectOpenstack(input: Record<string, unknown>, adapterOptions: OpenstackAdapterOptions = {}, clock: Clock = createSystemClock()): OpenstackLabConnection {
  const adapter = createOpenstackAdapter(adapterOptions);
  return connectLabAdapter(adapter, validateLabEndpoint(input, adapter), clock);
}

/** Runs one listing to the end; returns every instance and the number of pages yielded. */
export async function listServers(connection: PlatformConnection, signal: AbortSignal = new AbortController().signal): Promise<{ instances: RawInstance[]; pages: number }> {
  const instances: RawInstance[] = [];
  let pages = 0;
  for await (const page of connection.list(signal)) {
    pages++;
    instances.push(...page);
  }
  return { instances, pages };
}

/** A bridge on the harness's Redis and NATS polling openstack endpoints. */
export interface OpenstackBridge {
  readonly bridge: Bridge;
  readonly config: BridgeConfig;
  /** The events DCM received from endpoint `name` so far, in order. */
  events(name: string): Promise<ReceivedMessage[]>;
}

/**
 * Starts an in-process bridge (stopped by `harness.dispose`) with the real OpenStack adapter.
 * Its 10 s floor is lifted unless `floorSeconds` says otherwise, as the harness does for the
 * `file` platform, so tests poll back to back; the floor has its own tests. Every poll lists
 * in full (`diff.fullListSeconds: 0`) unless `fullListSeconds` says otherwise: the absence,
 * fault and lifecycle tests are about full lists; openstack-incremental.test.ts passes one.
 */
export async function startOpenstackBridge(
  harness: Harness,
  endpoints: readonly Record<string, unknown>[],
  options: {
    adapter?: OpenstackAdapterOptions;
    dependencies?: Partial<BridgeDependencies>;
    floorSeconds?: number;
    fullListSeconds?: number;
    /** More keys inside `scheduler: { … }` besides `jitterRatio: 0`. */
    scheduler?: string;
    /** More top-level YAML, e.g. `rateLimits: { … }`. */
    extraYaml?: string;
  } = {},
): Promise<OpenstackBridge> {
  const adapters = createAdapterRegistry([{ ...createOpenstackAdapter(options.adapter), minimumIntervalSeconds: options.floorSeconds ?? 0 }]);
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0${options.scheduler ? `, ${options.scheduler}` : ''} }
diff: { fullListSeconds: ${options.fullListSeconds ?? 0} }
endpoints: ${JSON.stringify(endpoints)}
${options.extraYaml ?? ''}
`;
  const config = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters }).config;
  const bridge = await harness.bridge(config, { adapters, ...options.dependencies });
  return {
    bridge,
    config,
    events: async (name) => (await harness.dcm.messages()).filter((message) => message.event['dcmendpoint'] === name),
  };
}
