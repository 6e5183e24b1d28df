import { after, before } from 'node:test';
import type { PlatformConnection, RawInstance } from '../../src/adapter/index.js';
import { createSystemClock, type Clock } from '../../src/clock/index.js';
import { createVsphereAdapter, type ApiFlavorSetting, type VsphereAdapterOptions } from '../../adapters/vsphere/index.js';
import { createVsphereSimulator, type VsphereSimulator, type VsphereSimulatorOptions } from '../simulators/vsphere/index.js';
import { connectLabAdapter, startSimulatorLab, validateLabEndpoint, type AdapterLabConnection, type SimulatorLab } from './adapter-lab.js';

/** A running vCenter simulator and ways to point vsphere endpoints at it. */
export type VsphereLab = SimulatorLab<VsphereSimulator, EndpointInputOptions>;

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
  return startSimulatorLab(simulator, options.tls, (running, input: EndpointInputOptions = {}) => ({
    name: input.name ?? 'vc-lab',
    platform: 'vsphere',
    url: input.url ?? running.url,
    intervalSeconds: input.intervalSeconds ?? 10,
    apiFlavor: input.apiFlavor ?? 'auto',
    credentials: { username: simulator.credentials.username, password: input.password ?? simulator.credentials.password },
    ...(input.tls ? { tls: input.tls } : {}),
  }));
}

/** A connection of the vSphere adapter to a lab endpoint, with what it reported and logged. */
export type LabConnection = AdapterLabConnection;

/** Validates `input` like the bridge does and connects the vSphere adapter to it. */
export function connectVsphere(input: Record<string, unknown>, adapterOptions: VsphereAdapterOptions = {}, clock: Clock = createSystemClock()): LabConnection {
  const adapter = createVsphereAdapter(adapterOptions);
  return connectLabAdapter(adapter, validateLabEndpoint(input, adapter), clock);
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

/** A vCenter lab serving one test file (see {@link useVsphereLab}); read it inside tests and hooks (it starts in `before`). */
export interface VsphereLabOfFile extends Omit<VsphereLab, 'close'> {
  /** Connects the adapter to the lab over the Web Services API (`input` over the lab's `apiFlavor: vim` endpoint); closed after the file's tests. */
  connectVim(adapterOptions: VsphereAdapterOptions, input?: Record<string, unknown>): LabConnection;
}

/**
 * Starts a vCenter lab before the calling file's tests (then `seed`s it) and, after them, closes
 * every connection opened through {@link VsphereLabOfFile.connectVim} (so each logs out) and then
 * the lab. Call it once at the top of the file.
 */
export function useVsphereLab(options: { simulator?: VsphereSimulatorOptions; seed?: (simulator: VsphereSimulator) => void } = {}): VsphereLabOfFile {
  let lab: VsphereLab | undefined;
  const connections: LabConnection[] = [];
  const started = (): VsphereLab => {
    if (!lab) throw new Error('the vCenter lab is not started yet: use it inside a test or hook');
    return lab;
  };
  before(async () => {
    lab = await startVsphereLab(options.simulator ? { simulator: options.simulator } : {});
    options.seed?.(lab.simulator);
  });
  after(async () => {
    await Promise.all(connections.map((open) => open.connection.close()));
    await lab?.close();
  });
  return {
    get simulator() {
      return started().simulator;
    },
    get url() {
      return started().url;
    },
    endpointInput: (input) => started().endpointInput(input),
    connectVim(adapterOptions, input = {}) {
      const open = connectVsphere({ ...started().endpointInput({ apiFlavor: 'vim' }), ...input }, adapterOptions);
      connections.push(open);
      return open;
    },
  };
}

const SOAP_ROUTE_PREFIX = 'POST /sdk ';

/** The SOAP requests `simulator` counted since its last stats reset, by operation (`{ WaitForUpdatesEx: 1 }`). */
export function soapOperations(simulator: VsphereSimulator): Record<string, number> {
  return Object.fromEntries(Object.entries(simulator.stats().byRoute).flatMap(([route, count]) => (route.startsWith(SOAP_ROUTE_PREFIX) ? [[route.slice(SOAP_ROUTE_PREFIX.length), count]] : [])));
}
