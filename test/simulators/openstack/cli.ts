#!/usr/bin/env node
// Standalone OpenStack (Keystone v3 + Nova) simulator for demos and manual checks:
//   node dist/test/simulators/openstack/cli.js --port 8990 --servers 50 --tagged 40 --churn-seconds 5
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSeededRandom } from '../common/index.js';
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

/** The numeric options and their defaults; each must be a non-negative integer. */
const NUMBERS = { port: 8990, servers: 50, tagged: 40, 'max-limit': 1000, 'token-ttl': 3600, 'churn-seconds': 0, seed: 1 } as const;
type NumberName = keyof typeof NUMBERS;
const TEXTS = ['host', 'instance-id-as', 'max-microversion', 'tls-key', 'tls-cert'] as const;

/** Reads the command line into typed values, refusing a malformed number with its option name. */
function readCommandLine(): { numbers: Record<NumberName, number>; texts: Partial<Record<(typeof TEXTS)[number], string>>; help: boolean } {
  const names = [...Object.keys(NUMBERS), ...TEXTS];
  const parsed = parseArgs({ options: { ...Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])), help: { type: 'boolean' } } });
  const values = parsed.values as Readonly<Record<string, string | boolean | undefined>>;
  const numbers = { ...NUMBERS } as Record<NumberName, number>;
  for (const name of Object.keys(NUMBERS) as NumberName[]) {
    const raw = values[name];
    if (typeof raw === 'string') {
      numbers[name] = Number(raw);
      if (!/^\d+$/.test(raw)) {
        throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
      }
    }
  }
  const texts = Object.fromEntries(TEXTS.flatMap((name) => {
    const value = values[name];
    return typeof value === 'string' ? [[name, value]] : [];
  }));
  return { numbers, texts, help: values.help === true };
}

async function main(): Promise<void> {
  const { numbers, texts, help } = readCommandLine();
  if (help) {
    console.log(USAGE);
    return;
  }
  const tagged = Math.min(numbers.tagged, numbers.servers);
  const instanceIdAs = texts['instance-id-as'] ?? 'metadata';
  if (instanceIdAs !== 'metadata' && instanceIdAs !== 'tag' && instanceIdAs !== 'both') {
    throw new Error('--instance-id-as must be metadata, tag or both');
  }
  const keyFile = texts['tls-key'];
  const certFile = texts['tls-cert'];
  if ((keyFile === undefined) !== (certFile === undefined)) {
    throw new Error('--tls-key and --tls-cert go together');
  }

  const simulator = createOpenstackSimulator({
    seed: numbers.seed,
    maxLimit: numbers['max-limit'],
    tokenTtlSeconds: numbers['token-ttl'],
    ...(texts['max-microversion'] === undefined ? {} : { maxMicroversion: texts['max-microversion'] }),
  });
  const seeded = simulator.seedDcmServers({ count: numbers.servers, tagged, instanceIdAs });
  const tls = keyFile === undefined || certFile === undefined ? undefined : { key: readFileSync(keyFile), cert: readFileSync(certFile) };
  const running = await simulator.start({ port: numbers.port, host: texts.host ?? '127.0.0.1', ...(tls === undefined ? {} : { tls }) });

  const credentials = simulator.credentials;
  console.log(`OpenStack simulator listening on ${running.url}`);
  console.log(`  auth URL (Keystone v3): ${simulator.authUrl()}   compute: ${simulator.computeUrl()}`);
  console.log(`  user: ${credentials.username} / ${credentials.password} (domain ${credentials.userDomainName}), project ${credentials.projectName}`);
  console.log(`  application credential: ${credentials.applicationCredentialId} / ${credentials.applicationCredentialSecret}`);
  console.log(`  servers: ${numbers.servers}, managed by DCM: ${tagged}; control API under ${running.url}/_sim/`);

  const managed = seeded.filter((server) => server.instanceId !== undefined);
  const random = createSeededRandom(numbers.seed);
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
  const churnSeconds = numbers['churn-seconds'];
  const churn = churnSeconds > 0 && managed.length > 0 ? setInterval(churnOnce, churnSeconds * 1000) : undefined;

  // Ctrl-C or a kill stops the churn and closes the listener before exiting.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      clearInterval(churn);
      void running.close().finally(() => process.exit(0));
    });
  }
}

try {
  await main();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exitCode = 2;
}
