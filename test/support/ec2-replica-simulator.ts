#!/usr/bin/env node
// The EC2 simulator as its own process for the replica tests: one access key
// per (replica, endpoint), so the requests it counts per key
// (`/_sim/stats` → `platform.accessKeys`) say which endpoint was polled and
// by which bridge process. Run as
//   node <outDir>/test/support/ec2-replica-simulator.js --port 0 --replicas 3 --endpoints 30 [--registrations 3]
// Instances are added over the control API (`POST /_sim/instances`). Every
// 20 ms it prints the keys whose requests arrived since, with the time:
//   requests AKIAR1E07 1 1767225600123
import { closeOnSignal, nonNegativeIntegerOption, parseSimulatorArguments, readSharedSettings, runSimulatorCli } from '../simulators/common/index.js';
import { createEc2Simulator } from '../simulators/ec2/index.js';
import { registrationAccessKeyId, replicaAccessKeyId, REPLICA_SECRET_ACCESS_KEY } from './replica-fleet-keys.js';

const announceEveryMs = 20;
const USAGE = `Usage: ec2-replica-simulator.js --port <n> --replicas <n> --endpoints <n> [--registrations <n>] [--seed <n>]`;

async function main(): Promise<void> {
  const values = parseSimulatorArguments({ replicas: { type: 'string' }, endpoints: { type: 'string' }, registrations: { type: 'string' } });
  const replicas = nonNegativeIntegerOption(values.replicas, 'replicas', 3);
  const endpoints = nonNegativeIntegerOption(values.endpoints, 'endpoints', 30);
  const registrations = nonNegativeIntegerOption(values.registrations, 'registrations', 0);
  const { seed, listen } = readSharedSettings(values, 0);
  const credentials = Array.from({ length: registrations }, (_, registration) => ({ accessKeyId: registrationAccessKeyId(registration), secretAccessKey: REPLICA_SECRET_ACCESS_KEY }));
  for (let replica = 0; replica < replicas; replica++) {
    for (let endpoint = 0; endpoint < endpoints; endpoint++) credentials.push({ accessKeyId: replicaAccessKeyId(replica, endpoint), secretAccessKey: REPLICA_SECRET_ACCESS_KEY });
  }
  const simulator = createEc2Simulator({ credentials, seed });
  const running = await simulator.start(listen);
  console.log(`EC2 simulator for ${replicas} replicas x ${endpoints} endpoints listening on ${running.url}`);
  // When each key's requests arrived, timed here rather than by a test sampling over HTTP, whose own stalls would shift them.
  const seen = new Map<string, number>();
  const announcer = setInterval(() => {
    for (const [key, count] of Object.entries(simulator.usage().accessKeys)) {
      const delta = count - (seen.get(key) ?? 0);
      if (delta <= 0) continue;
      seen.set(key, count);
      console.log(`requests ${key} ${delta} ${Date.now()}`);
    }
  }, announceEveryMs);
  closeOnSignal(running, announcer);
}

runSimulatorCli(main, USAGE);
