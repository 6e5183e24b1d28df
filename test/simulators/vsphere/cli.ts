#!/usr/bin/env node
// Standalone vCenter simulator for demos and manual checks:
//   node dist/test/simulators/vsphere/cli.js --port 8989 --vms 50 --tagged 40 --churn-seconds 5
import { closeOnSignal, createSeededRandom, nonNegativeIntegerOption, parseSimulatorArguments, readSharedSettings, runSimulatorCli, startChurnTimer } from '../common/index.js';
import { POWER_STATES } from './model.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './simulator.js';

const USAGE = `Usage: cli.js [options]
  --port <n>            port to listen on (default 8989; 0 picks a free one)
  --host <addr>         address to bind (default 127.0.0.1)
  --vms <n>             VMs to create (default 50)
  --tagged <n>          how many of them DCM manages (managed-by=dcm + dcm-instance-id) (default 40)
  --via <how>           how managed VMs are marked: tag, customAttribute or both (default tag)
  --churn-seconds <n>   every n seconds, change the power state of a random managed VM (default off)
  --seed <n>            seed of the churn and fault RNG (default 1)
  --username <name>     accepted user (default ${DEFAULT_CREDENTIALS.username})
  --password <text>     accepted password (default the built-in test password)
  --tls-key <file>      PEM key: serve HTTPS (needs --tls-cert)
  --tls-cert <file>     PEM certificate
  --help`;

async function main(): Promise<void> {
  const values = parseSimulatorArguments({
    vms: { type: 'string' },
    tagged: { type: 'string' },
    via: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const vmCount = nonNegativeIntegerOption(values.vms, 'vms', 50);
  const tagged = Math.min(nonNegativeIntegerOption(values.tagged, 'tagged', 40), vmCount);
  const via = values.via ?? 'tag';
  if (via !== 'tag' && via !== 'customAttribute' && via !== 'both') {
    throw new Error(`--via must be tag, customAttribute or both, not ${via}`);
  }
  const { churnSeconds, seed, listen } = readSharedSettings(values, 8989);
  const credentials = { username: values.username ?? DEFAULT_CREDENTIALS.username, password: values.password ?? DEFAULT_CREDENTIALS.password };

  const simulator = createVsphereSimulator({ credentials, seed });
  const seeded = simulator.seedDcmVms({ count: vmCount, tagged, via });
  const running = await simulator.start(listen);

  console.log(`vCenter simulator listening on ${running.url}`);
  console.log(`  user:     ${credentials.username}`);
  console.log(`  password: ${credentials.password}`);
  console.log(`  VMs: ${vmCount}, managed by DCM: ${tagged} (marked by ${via}); /api, /rest and the Web Services API at /sdk; control API under ${running.url}/_sim/`);
  console.log(`  try: curl -s -X POST -u '${credentials.username}:${credentials.password}' ${running.url}/api/session`);

  const managed = seeded.filter((vm) => vm.instanceId !== undefined);
  const random = createSeededRandom(seed);
  const churn = startChurnTimer(churnSeconds, managed, () => {
    const picked = managed[Math.floor(random() * managed.length)];
    const state = POWER_STATES[Math.floor(random() * POWER_STATES.length)];
    if (picked !== undefined && state !== undefined) {
      simulator.inventory.setPowerState(picked.vmId, state);
      console.log(`churn: ${picked.vmId} (${picked.instanceId ?? '?'}) -> ${state}`);
    }
  });
  closeOnSignal(running, churn);
}

runSimulatorCli(main, USAGE);
