import { createSystemClock, type Clock } from '../../src/clock/index.js';
import { validateEndpoint, type EndpointConfig } from '../../src/config/index.js';
import { validationError } from '../../src/errors/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createEc2Adapter, type Ec2AdapterOptions } from '../../adapters/ec2/index.js';
import { createEc2Simulator, type Ec2Simulator, type Ec2SimulatorOptions } from '../simulators/ec2/index.js';
import { memoryLogger } from './harness.js';
import type { LabConnection } from './vsphere-lab.js';

/** Retries that wait a few milliseconds, so throttling tests stay fast. */
export const fastRetries: Ec2AdapterOptions = { retryPolicy: { baseDelayMs: 5, throttleBaseDelayMs: 10, maxDelayMs: 20 }, random: () => 0.5 };

/** A running EC2 simulator and ways to point ec2 endpoints at it. */
export interface Ec2Lab {
  readonly simulator: Ec2Simulator;
  readonly url: string;
  /** An endpoint as an operator writes it (YAML or a REST body), with the simulator's keys unless told otherwise. */
  endpointInput(options?: Ec2EndpointInput): Record<string, unknown>;
  close(): Promise<void>;
}

/** What an ec2 test endpoint may change; `credentials: null` leaves the block out (default chain / profile). */
export interface Ec2EndpointInput {
  readonly name?: string;
  readonly region?: string;
  readonly intervalSeconds?: number;
  readonly credentials?: Record<string, string> | null;
  readonly extra?: Record<string, unknown>;
}

/** Starts an EC2 simulator on a free loopback port (HTTPS when `tls` is given). */
export async function startEc2Lab(options: Ec2SimulatorOptions = {}, tls?: { key: Buffer; cert: Buffer }): Promise<Ec2Lab> {
  const simulator = createEc2Simulator(options);
  const running = await simulator.start(tls ? { tls } : {});
  return {
    simulator,
    url: running.url,
    endpointInput: (input = {}) => ({
      name: input.name ?? 'aws-lab',
      platform: 'ec2',
      url: running.url,
      region: input.region ?? simulator.region,
      intervalSeconds: input.intervalSeconds ?? 10,
      ...(input.credentials === null ? {} : { credentials: input.credentials ?? { accessKeyId: simulator.credentials.accessKeyId, secretAccessKey: simulator.credentials.secretAccessKey } }),
      ...input.extra,
    }),
    close: () => running.close(),
  };
}

/** A connection of the EC2 adapter to a lab endpoint, with what it reported and logged (the vSphere lab's shape). */
export type Ec2LabConnection = LabConnection;

/** Validates `input` like the bridge does (throwing CONFIG_INVALID) and connects `adapter` to it. */
export function connectEc2(input: Record<string, unknown>, adapter = createEc2Adapter(fastRetries), clock: Clock = createSystemClock()): Ec2LabConnection {
  const endpoint = validateEc2Input(input, adapter);
  const { logger, lines } = memoryLogger('debug');
  const requests: Ec2LabConnection['requests'] = [];
  const connection = adapter.connect(endpoint, { logger, clock, onRequest: (outcome) => requests.push(outcome) });
  return { endpoint, connection, requests, logLines: lines, logger };
}

/** Validates one ec2 endpoint as `endpoints[0]` of a config file. */
export function validateEc2Input(input: Record<string, unknown>, adapter = createEc2Adapter()): EndpointConfig {
  const { endpoint, issues } = validateEndpoint(input, createAdapterRegistry([adapter]), { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config', checkFiles: false });
  if (!endpoint) throw validationError('test endpoint', issues);
  return endpoint;
}
