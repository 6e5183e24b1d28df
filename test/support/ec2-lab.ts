import { createSystemClock, type Clock } from '../../src/clock/index.js';
import type { EndpointConfig } from '../../src/config/index.js';
import { createEc2Adapter, type Ec2AdapterOptions } from '../../adapters/ec2/index.js';
import { createEc2Simulator, type Ec2Simulator, type Ec2SimulatorOptions } from '../simulators/ec2/index.js';
import { connectLabAdapter, startSimulatorLab, validateLabEndpoint, type AdapterLabConnection, type SimulatorLab } from './adapter-lab.js';

/** Retries that wait a few milliseconds, so throttling tests stay fast. */
export const fastRetries: Ec2AdapterOptions = { retryPolicy: { baseDelayMs: 5, throttleBaseDelayMs: 10, maxDelayMs: 20 }, random: () => 0.5 };

/** A running EC2 simulator and ways to point ec2 endpoints at it; `endpointInput` uses the simulator's keys unless told otherwise. */
export type Ec2Lab = SimulatorLab<Ec2Simulator, Ec2EndpointInput>;

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
  return startSimulatorLab(simulator, tls, (running, input: Ec2EndpointInput = {}) => ({
    name: input.name ?? 'aws-lab',
    platform: 'ec2',
    url: running.url,
    region: input.region ?? simulator.region,
    intervalSeconds: input.intervalSeconds ?? 10,
    ...(input.credentials === null ? {} : { credentials: input.credentials ?? { accessKeyId: simulator.credentials.accessKeyId, secretAccessKey: simulator.credentials.secretAccessKey } }),
    ...input.extra,
  }));
}

/** A connection of the EC2 adapter to a lab endpoint, with what it reported and logged (the shape every lab shares). */
export type Ec2LabConnection = AdapterLabConnection;

/** Validates `input` like the bridge does (throwing CONFIG_INVALID) and connects `adapter` to it. */
export function connectEc2(input: Record<string, unknown>, adapter = createEc2Adapter(fastRetries), clock: Clock = createSystemClock()): Ec2LabConnection {
  return connectLabAdapter(adapter, validateEc2Input(input, adapter), clock);
}

/** Validates one ec2 endpoint as `endpoints[0]` of a config file (named files need not exist). */
export function validateEc2Input(input: Record<string, unknown>, adapter = createEc2Adapter()): EndpointConfig {
  return validateLabEndpoint(input, adapter, { checkFiles: false });
}
