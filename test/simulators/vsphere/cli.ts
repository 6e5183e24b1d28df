#!/usr/bin/env node
// Standalone vCenter simulator for demos and manual checks:
//   node dist/test/simulators/vsphere/cli.js --port 8989 --vms 50 --tagged 40 --churn-seconds 5
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSeededRandom } from '../common/index.js';
import { POWER_STATES } from './model.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './simulator.js';

const USAGE = `Usage: cli.js [options]
  --port <n>            port to listen on (default 8989; 0 picks a free one)
  --host <addr>         address to bind (default 127.0.0.1)
  --vms <n>             VMs to create (default 50)
  --tagged <n>          how many of them DCM manages (managed-by=dcm + dcm-instance-id) (default 40)
  --churn-seconds <n>   every n seconds, change the power state of a random managed VM (default off)
  --seed <n>            seed of the churn and fault RNG (default 1)
  --username <name>     accepted user (default ${DEFAULT_CREDENTIALS.username})
  --password <text>     accepted password (default the built-in test password)
  --tls-key <file>      PEM key: serve HTTPS (needs --tls-cert)
  --tls-cert <file>     PEM certificate
  --help`;

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      vms: { type: 'string' },
      tagged: { type: 'string' },
      'churn-seconds': { type: 'string' },
      seed: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const vmCount = integerOption(values.vms, 'vms', 50);
  const tagged = Math.min(integerOption(values.tagged, 'tagged', 40), vmCount);
  const churnSeconds = integerOption(values['churn-seconds'], 'churn-seconds', 0);
  const seed = integerOption(values.seed, 'seed', 1);
  if ((values['tls-key'] === undefined) !== (values['tls-cert'] === undefined)) {
    throw new Error('--tls-key and --tls-cert go together');
  }
  const credentials = { username: values.username ?? DEFAULT_CREDENTIALS.username, password: values.password ?? DEFAULT_CREDENTIALS.password };

  const simulator = createVsphereSimulator({ credentials, seed });
  const seeded = simulator.seedDcmVms({ count: vmCount, tagged });
  const running = await simulator.start({
    port: integerOption(values.port, 'port', 8989),
    host: values.host ?? '127.0.0.1',
    ...(values['tls-key'] === undefined || values['tls-cert'] === undefined
      ? {}
      : { tls: { key: readFileSync(values['tls-key']), cert: readFileSync(values['tls-cert']) } }),
  });

  console.log(`vCenter simulator listening on ${running.url}`);
  console.log(`  user:     ${credentials.username}`);
  console.log(`  password: ${credentials.password}`);
  console.log(`  VMs: ${vmCount}, managed by DCM: ${tagged}; flavors /api and /rest; control API under ${running.url}/_sim/`);
  console.log(`  try: curl -s -X POST -u '${credentials.username}:${credentials.password}' ${running.url}/api/session`);

  const managed = seeded.filter((vm) => vm.instanceId !== undefined);
  const random = createSeededRandom(seed);
  const churn =
    churnSeconds > 0 && managed.length > 0
      ? setInterval(() => {
          const picked = managed[Math.floor(random() * managed.length)];
          const state = POWER_STATES[Math.floor(random() * POWER_STATES.length)];
          if (picked !== undefined && state !== undefined) {
            simulator.inventory.setPowerState(picked.vmId, state);
            console.log(`churn: ${picked.vmId} (${picked.instanceId ?? '?'}) -> ${state}`);
          }
        }, churnSeconds * 1000)
      : undefined;

  const stop = (): void => {
    if (churn !== undefined) {
      clearInterval(churn);
    }
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(2);
});
