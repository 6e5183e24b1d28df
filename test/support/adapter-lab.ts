// What the vSphere, OpenStack and EC2 labs share: a started simulator with a way to write
// endpoints for it, and the "validate an endpoint, connect the adapter, collect what it reports"
// step. Each lab keeps its own simulator options and endpoint inputs.
import type { Logger } from 'pino';
import type { ChangePage, PlatformAdapter, PlatformConnection } from '../../src/adapter/index.js';
import { createSystemClock, type Clock } from '../../src/clock/index.js';
import { validateEndpoint, type EndpointConfig } from '../../src/config/index.js';
import { validationError } from '../../src/errors/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import type { RunningServer, StartOptions, TlsMaterial } from '../simulators/common/index.js';
import { memoryLogger } from './harness.js';

/** A running simulator and a way to write endpoints (as an operator would, in YAML or a REST body) that point at it. */
export interface SimulatorLab<Simulator, EndpointOptions> {
  readonly simulator: Simulator;
  readonly url: string;
  /** An endpoint as an operator writes it (YAML or a REST body). */
  endpointInput(options?: EndpointOptions): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Starts `simulator` on a free loopback port (HTTPS when `tls` is given) and pairs it with
 * `endpointInput`, which is given the running server to write endpoints for.
 */
export async function startSimulatorLab<Simulator extends { start(options?: StartOptions): Promise<RunningServer> }, EndpointOptions>(
  simulator: Simulator,
  tls: TlsMaterial | undefined,
  endpointInput: (running: RunningServer, options?: EndpointOptions) => Record<string, unknown>,
): Promise<SimulatorLab<Simulator, EndpointOptions>> {
  const running = await simulator.start(tls ? { tls } : {});
  return {
    simulator,
    url: running.url,
    endpointInput: (options) => endpointInput(running, options),
    close: () => running.close(),
  };
}

/** A connection of an adapter to a lab endpoint, with what it reported and logged. */
export interface AdapterLabConnection {
  readonly endpoint: EndpointConfig;
  readonly connection: PlatformConnection;
  /** Every `onRequest` report. */
  readonly requests: { status: number | 'error'; throttled: boolean }[];
  readonly logLines: string[];
  readonly logger: Logger;
}

/** Options of {@link validateLabEndpoint}. */
export interface LabEndpointValidation {
  /** Whether files the endpoint names (CA files, credentials files) must exist; the bridge's default. */
  readonly checkFiles?: boolean;
}

/**
 * Validates `input` as `endpoints[0]` of a config file, as the bridge does, with only `adapter` registered.
 * @throws BridgeError CONFIG_INVALID listing the issues.
 */
export function validateLabEndpoint(input: Record<string, unknown>, adapter: PlatformAdapter, options: LabEndpointValidation = {}): EndpointConfig {
  const { endpoint, issues } = validateEndpoint(input, createAdapterRegistry([adapter]), {
    pathPrefix: 'endpoints[0]',
    defaultIntervalSeconds: 30,
    origin: 'config',
    ...(options.checkFiles === undefined ? {} : { checkFiles: options.checkFiles }),
  });
  if (!endpoint) throw validationError('test endpoint', issues);
  return endpoint;
}

/** Connects `adapter` to a validated endpoint with a debug-level memory logger, recording every `onRequest` report. */
export function connectLabAdapter(adapter: PlatformAdapter, endpoint: EndpointConfig, clock: Clock = createSystemClock()): AdapterLabConnection {
  const { logger, lines } = memoryLogger('debug');
  const requests: AdapterLabConnection['requests'] = [];
  const connection = adapter.connect(endpoint, { logger, clock, onRequest: (outcome) => requests.push(outcome) });
  return { endpoint, connection, requests, logLines: lines, logger };
}

/** Runs one `listChanges` of `connection` (which must offer it) from `cursor` to its end: the pages it yielded and the cursor it returned. */
export async function drainChanges(connection: PlatformConnection, cursor: string | undefined, signal: AbortSignal = new AbortController().signal): Promise<{ pages: ChangePage[]; cursor: string | undefined }> {
  if (!connection.listChanges) throw new Error('the connection offers no listChanges');
  const listing = connection.listChanges(cursor, signal);
  const pages: ChangePage[] = [];
  for (;;) {
    const step = await listing.next();
    if (step.done) return { pages, cursor: step.value.cursor };
    pages.push(step.value);
  }
}
