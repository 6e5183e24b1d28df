import type { Logger } from 'pino';
import type { PlatformConnection, RawInstance } from '../../src/adapter/index.js';
import { createSystemClock, type Clock } from '../../src/clock/index.js';
import { validateEndpoint, type EndpointConfig } from '../../src/config/index.js';
import { validationError } from '../../src/errors/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createVsphereAdapter, type ApiFlavorSetting, type VsphereAdapterOptions } from '../../adapters/vsphere/index.js';
import { createVsphereSimulator, type VsphereSimulator, type VsphereSimulatorOptions } from '../simulators/vsphere/index.js';
import { memoryLogger } from './harness.js';

/** A running vCenter simulator and ways to point vsphere endpoints at it. */
export interface VsphereLab {
  readonly simulator: VsphereSimulator;
  readonly url: string;
  /** An endpoint as an operator writes it (YAML or a REST body). */
  endpointInput(options?: EndpointInputOptions): Record<string, unknown>;
  close(): Promise<void>;
}

export interface EndpointInputOptions {
  readonly name?: string;
  readonly apiFlavor?: ApiFlavorSetting;
  readonly url?: string;
  readonly password?: string;
  readonly tls?: { readonly caFile?: string; readonly insecureSkipVerify?: boolean };
  readonly intervalSeconds?: number;
}

/** Starts a vCenter simulator (HTTPS when `tls` is given) on a free loopback port. */
export async function startVsphereLab(options: { simulator?: VsphereSimulatorOptions; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<VsphereLab> {
  const simulator = createVsphereSimulator(options.simulator);
  const running = await simulator.start(options.tls ? { tls: options.tls } : {});
  return {
    simulator,
    url: running.url,
    endpointInput: (input = {}) => ({
      name: input.name ?? 'vc-lab',
      platform: 'vsphere',
      url: input.url ?? running.url,
      intervalSeconds: input.intervalSeconds ?? 10,
      apiFlavor: input.apiFlavor ?? 'auto',
      credentials: { username: simulator.credentials.username, password: input.password ?? simulator.credentials.password },
      ...(input.tls ? { tls: input.tls } : {}),
    }),
    close: () => running.close(),
  };
}

/** A connection of the vSphere adapter to a lab endpoint, with what it reported and logged. */
export interface LabConnection {
  readonly endpoint: EndpointConfig;
  readonly connection: PlatformConnection;
  /** Every `onRequest` report. */
  readonly requests: { status: number | 'error'; throttled: boolean }[];
  readonly logLines: string[];
  readonly logger: Logger;
}

/** Validates `input` like the bridge does and connects the vSphere adapter to it. */
export function connectVsphere(input: Record<string, unknown>, adapterOptions: VsphereAdapterOptions = {}, clock: Clock = createSystemClock()): LabConnection {
  const adapter = createVsphereAdapter(adapterOptions);
  const { endpoint, issues } = validateEndpoint(input, createAdapterRegistry([adapter]), { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config' });
  if (!endpoint) throw validationError('test endpoint', issues);
  const { logger, lines } = memoryLogger('debug');
  const requests: LabConnection['requests'] = [];
  const connection = adapter.connect(endpoint, { logger, clock, onRequest: (outcome) => requests.push(outcome) });
  return { endpoint, connection, requests, logLines: lines, logger };
}

/** Runs one listing to the end and returns its pages. */
export async function listPages(connection: PlatformConnection, signal: AbortSignal = new AbortController().signal): Promise<(readonly RawInstance[])[]> {
  const pages: (readonly RawInstance[])[] = [];
  for await (const page of connection.list(signal)) pages.push(page);
  return pages;
}

/** Runs one listing and returns every instance, sorted by platform id. */
export async function listAll(connection: PlatformConnection, signal?: AbortSignal): Promise<RawInstance[]> {
  return (await listPages(connection, signal)).flat().sort((left, right) => left.platformId.localeCompare(right.platformId, 'en', { numeric: true }));
}
