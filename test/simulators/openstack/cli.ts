#!/usr/bin/env node
// Standalone OpenStack (Keystone v3 + Nova) simulator for demos and manual checks:
//   node dist/test/simulators/openstack/cli.js --port 8990 --servers 50 --tagged 40 --churn-seconds 5
import { closeOnSignal, createSeededRandom, nonNegativeIntegerOption, parseSimulatorArguments, readSharedSettings, runSimulatorCli, startChurnTimer } from '../common/index.js';
import { lifecycleStepOf, type LifecycleStep } from './lifecycle.js';
import { createOpenstackSimulator, DEFAULT_MAX_MICROVERSION } from './simulator.js';

const USAGE = `Usage: cli.js [options]
  --port <n>              port to listen on (default 8990; 0 picks a free one)
  --host <addr>           address to bind (default 127.0.0.1)
  --servers <n>           servers to create (default 50)
  --tagged <n>            how many DCM manages (tag managed-by=dcm, metadata dcm-instance-id) (default 40)
  --instance-id-as <where> metadata (default), tag or both
  --max-limit <n>         Nova's max_limit, the largest page (default 1000)
  --max-microversion <v>  newest compute microversion (default ${DEFAULT_MAX_MICROVERSION})
  --token-ttl <seconds>   token lifetime (default 3600)
  --churn-seconds <n>     every n seconds, move a random managed server one lifecycle step (default off)
  --seed <n>              seed of the churn and fault RNG (default 1)
  --tls-key <file>        PEM key: serve HTTPS (needs --tls-cert)
  --tls-cert <file>       PEM certificate
  --help`;

async function main(): Promise<void> {
  const values = parseSimulatorArguments({
    servers: { type: 'string' },
    tagged: { type: 'string' },
    'instance-id-as': { type: 'string' },
    'max-limit': { type: 'string' },
    'max-microversion': { type: 'string' },
    'token-ttl': { type: 'string' },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const serverCount = nonNegativeIntegerOption(values.servers, 'servers', 50);
  const tagged = Math.min(nonNegativeIntegerOption(values.tagged, 'tagged', 40), serverCount);
  const maxLimit = nonNegativeIntegerOption(values['max-limit'], 'max-limit', 1000);
  const tokenTtlSeconds = nonNegativeIntegerOption(values['token-ttl'], 'token-ttl', 3600);
  const { churnSeconds, seed, listen } = readSharedSettings(values, 8990);
  const instanceIdAs = values['instance-id-as'] ?? 'metadata';
  if (instanceIdAs !== 'metadata' && instanceIdAs !== 'tag' && instanceIdAs !== 'both') {
    throw new Error('--instance-id-as must be metadata, tag or both');
  }

  const simulator = createOpenstackSimulator({
    seed,
    maxLimit,
    tokenTtlSeconds,
    ...(values['max-microversion'] === undefined ? {} : { maxMicroversion: values['max-microversion'] }),
  });
  const seeded = simulator.seedDcmServers({ count: serverCount, tagged, instanceIdAs });
  const running = await simulator.start(listen);

  const credentials = simulator.credentials;
  console.log(`OpenStack simulator listening on ${running.url}`);
  console.log(`  auth URL (Keystone v3): ${simulator.authUrl()}   compute: ${simulator.computeUrl()}`);
  console.log(`  user: ${credentials.username} / ${credentials.password} (domain ${credentials.userDomainName}), project ${credentials.projectName}`);
  console.log(`  application credential: ${credentials.applicationCredentialId} / ${credentials.applicationCredentialSecret}`);
  console.log(`  servers: ${serverCount}, managed by DCM: ${tagged}; control API under ${running.url}/_sim/`);

  const managed = seeded.filter((server) => server.instanceId !== undefined);
  const random = createSeededRandom(seed);
  const churnOnce = (): void => {
    const index = Math.floor(random() * managed.length);
    const picked = managed[index];
    const step = picked === undefined ? undefined : lifecycleStepOf(simulator.servers, picked.serverId);
    if (picked === undefined || step === undefined || step.name === 'deleted') {
      managed.splice(index, 1);
      return;
    }
    // A stopped server is started again half the time, so a long demo does not end with everything deleted.
    const next = step.name === 'stopped' && random() < 0.5 ? restart(picked.serverId) : simulator.advanceLifecycle(picked.serverId);
    if (next.name === 'deleted') {
      managed.splice(index, 1);
    }
    console.log(`churn: ${picked.serverId} (${picked.instanceId ?? '?'}) -> ${next.status}${next.taskState === null ? '' : ` (${next.taskState})`}`);
  };
  const restart = (serverId: string): LifecycleStep => {
    simulator.servers.setState(serverId, { vmState: 'active', taskState: null });
    return lifecycleStepOf(simulator.servers, serverId) ?? { name: 'active', vmState: 'active', taskState: null, status: 'ACTIVE' };
  };
  const churn = startChurnTimer(churnSeconds, managed, churnOnce);
  closeOnSignal(running, churn);
}

runSimulatorCli(main, USAGE);
