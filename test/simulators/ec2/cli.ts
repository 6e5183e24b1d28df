#!/usr/bin/env node
// Standalone EC2 Query API simulator for demos and manual checks:
//   node dist/test/simulators/ec2/cli.js --port 8990 --instances 50 --tagged 40 --churn-seconds 5
import { closeOnSignal, createSeededRandom, nonNegativeIntegerOption, parseSimulatorArguments, readSharedSettings, runSimulatorCli, startChurnTimer } from '../common/index.js';
import { LIFECYCLE } from './model.js';
import { createEc2Simulator, DEFAULT_CREDENTIALS } from './simulator.js';

const USAGE = `Usage: cli.js [options]
  --port <n>              port to listen on (default 8990; 0 picks a free one)
  --host <addr>           address to bind (default 127.0.0.1)
  --instances <n>         instances to create (default 50)
  --tagged <n>            how many of them DCM manages (managed-by=dcm + dcm-instance-id) (default 40)
  --region <name>         region requests must be signed for (default us-east-1)
  --churn-seconds <n>     every n seconds, move a random managed instance one lifecycle step (default off)
  --seed <n>              seed of ids, churn and the fault RNG (default 1)
  --access-key-id <id>    accepted access key id (default ${DEFAULT_CREDENTIALS.accessKeyId})
  --secret-access-key <s> its secret (default AWS's documented example secret)
  --tls-key <file>        PEM key: serve HTTPS (needs --tls-cert)
  --tls-cert <file>       PEM certificate
  --help`;

async function main(): Promise<void> {
  const values = parseSimulatorArguments({
    instances: { type: 'string' },
    tagged: { type: 'string' },
    region: { type: 'string' },
    'access-key-id': { type: 'string' },
    'secret-access-key': { type: 'string' },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const count = nonNegativeIntegerOption(values.instances, 'instances', 50);
  const tagged = Math.min(nonNegativeIntegerOption(values.tagged, 'tagged', 40), count);
  const { churnSeconds, seed, listen } = readSharedSettings(values, 8990);
  const credentials = { accessKeyId: values['access-key-id'] ?? DEFAULT_CREDENTIALS.accessKeyId, secretAccessKey: values['secret-access-key'] ?? DEFAULT_CREDENTIALS.secretAccessKey };
  const region = values.region ?? 'us-east-1';

  const simulator = createEc2Simulator({ credentials: [credentials], region, seed });
  const seeded = simulator.seedDcmInstances({ count, tagged });
  const running = await simulator.start(listen);

  console.log(`EC2 simulator (DescribeInstances, API 2016-11-15) listening on ${running.url}`);
  console.log(`  region: ${region}; access key id: ${credentials.accessKeyId}; secret: ${credentials.secretAccessKey}`);
  console.log(`  instances: ${count}, managed by DCM: ${tagged}; control API under ${running.url}/_sim/`);
  console.log(`  try: AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=... aws ec2 describe-instances --endpoint-url ${running.url} --region ${region} --filters Name=tag:managed-by,Values=dcm`);

  const managed = seeded.filter((instance) => instance.dcmInstanceId !== undefined);
  const random = createSeededRandom(seed);
  const churn = startChurnTimer(churnSeconds, managed, () => {
    const picked = managed[Math.floor(random() * managed.length)];
    const record = picked === undefined ? undefined : simulator.inventory.getInstance(picked.instanceId);
    if (picked === undefined || record === undefined || record.state === 'terminated') {
      return;
    }
    // Cycle between running and stopped rather than ending the demo's instances.
    const next = record.state === 'stopped' ? 'running' : (LIFECYCLE[LIFECYCLE.indexOf(record.state) + 1] ?? 'running');
    simulator.inventory.setState(picked.instanceId, next);
    console.log(`churn: ${picked.instanceId} (${picked.dcmInstanceId ?? '?'}) ${record.state} -> ${next}`);
  });
  closeOnSignal(running, churn);
}

runSimulatorCli(main, USAGE);
