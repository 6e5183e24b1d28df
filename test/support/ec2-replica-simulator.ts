#!/usr/bin/env node
// The EC2 simulator as its own process for the replica tests: one access key
// per (replica, endpoint), so the requests it counts per key
// (`/_sim/stats` → `platform.accessKeys`) say which endpoint was polled and
// by which bridge process. Run as
//   node <outDir>/test/support/ec2-replica-simulator.js --port 0 --replicas 3 --endpoints 30
// Instances are added over the control API (`POST /_sim/instances`).
import { closeOnSignal, nonNegativeIntegerOption, parseSimulatorArguments, readSharedSettings, runSimulatorCli } from '../simulators/common/index.js';
import { createEc2Simulator } from '../simulators/ec2/index.js';
import { replicaAccessKeyId, REPLICA_SECRET_ACCESS_KEY } from './replica-fleet-keys.js';

const USAGE = `Usage: ec2-replica-simulator.js --port <n> --replicas <n> --endpoints <n> [--seed <n>]`;

async function main(): Promise<void> {
  const values = parseSimulatorArguments({ replicas: { type: 'string' }, endpoints: { type: 'string' } });
  const replicas = nonNegativeIntegerOption(values.replicas, 'replicas', 3);
  const endpoints = nonNegativeIntegerOption(values.endpoints, 'endpoints', 30);
  const { seed, listen } = readSharedSettings(values, 0);
  const credentials = [];
  for (let replica = 0; replica < replicas; replica++) {
    for (let endpoint = 0; endpoint < endpoints; endpoint++) credentials.push({ accessKeyId: replicaAccessKeyId(replica, endpoint), secretAccessKey: REPLICA_SECRET_ACCESS_KEY });
  }
  const simulator = createEc2Simulator({ credentials, seed });
  const running = await simulator.start(listen);
  console.log(`EC2 simulator for ${replicas} replicas x ${endpoints} endpoints listening on ${running.url}`);
  closeOnSignal(running, undefined);
}

runSimulatorCli(main, USAGE);
