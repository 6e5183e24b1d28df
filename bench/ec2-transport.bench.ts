/**
 * EC2 transport benchmark (#12): the CPU and garbage collection of three
 * polls of 100 DescribeInstances pages of 1,000 instances (1.4 MB each,
 * rendered by the EC2 simulator, served by a plain HTTP server in its own
 * process) read through the SDK's `client.send` with the bridge's answer
 * check and scanner, while 200,000 index-like entries are live, as in a
 * bridge at 100k VMs. The transports: the SDK's own `NodeHttpHandler` on
 * `node:http` (the bridge's before `http-handler.ts`), the bridge's undici
 * handler with a new buffer per page, and with the endpoint's reused
 * buffers (`answer-buffers.ts`, as shipped). Each reading runs in a fresh
 * process, three times, alternating; CPU is `process.cpuUsage()` (all
 * threads: V8 marks on its worker threads), collections are counted by
 * `PerformanceObserver`. A one-off measurement for the README, separate
 * from `npm run bench`.
 * Run: node dist/bench/ec2-transport.bench.js
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { spawn } from 'node:child_process';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createAnswerBuffers } from '../adapters/ec2/answer-buffers.js';
import { addAnswerCheck, describeAnswerOf } from '../adapters/ec2/answer-check.js';
import { createUndiciHandler } from '../adapters/ec2/http-handler.js';
import { createSystemClock } from '../src/clock/index.js';
import { countCollections, readInFreshProcesses } from './lib/fresh-readings.js';
import { ec2Headers } from '../test/simulators/ec2/errors.js';
import { createInventory } from '../test/simulators/ec2/index.js';
import { renderDescribeInstances } from '../test/simulators/ec2/representation.js';

const transports = ['node:http', 'undici', 'undici, reused buffers'] as const;
type Transport = (typeof transports)[number];

interface Figures {
  readonly transport: Transport;
  readonly cpuMicrosecondsPerInstance: number;
  readonly markCompactsPerPoll: number;
  readonly scavengesPerPoll: number;
}

const instancesPerPage = 1000;
const pagesPerPoll = 100;
const polls = 3;
const liveEntries = 200_000;

function renderedPage(): Buffer {
  const inventory = createInventory({ now: () => Date.now(), terminatedRetentionSeconds: 3600, ownerId: '123456789012', region: 'us-east-1', seed: 7 });
  inventory.seedDcmInstances({ count: instancesPerPage, tagged: instancesPerPage });
  return Buffer.from(renderDescribeInstances('req', inventory.list(), 'next', 'us-east-1'));
}

/** The page server: answers every request with the page, prints its port. */
function serve(): void {
  const page = renderedPage();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { ...ec2Headers('req', Date.now()), 'content-type': 'text/xml;charset=UTF-8', 'content-length': String(page.length) });
      response.end(page);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

function clientFor(transport: Transport, port: number): EC2Client {
  const timeouts = { connectionTimeoutMs: 3000, requestTimeoutMs: 30_000 };
  const buffers = transport === 'undici, reused buffers' ? createAnswerBuffers() : undefined;
  const client = new EC2Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
    maxAttempts: 1,
    // As adapters/ec2/client.ts built it before http-handler.ts, and as it builds it now.
    requestHandler:
      transport === 'node:http'
        ? { httpAgent: new Agent({ keepAlive: true, maxSockets: 2 }), connectionTimeout: timeouts.connectionTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, throwOnRequestTimeout: true, socketTimeout: timeouts.requestTimeoutMs }
        : createUndiciHandler({ endpoint: 'bench', region: 'us-east-1', tls: { rejectUnauthorized: true }, timeouts, clock: createSystemClock(), sockets: 2, maxBodyBytes: 64 * 1024 * 1024, ...(buffers ? { buffers } : {}) }),
  });
  client.middlewareStack.remove('loggerMiddleware');
  addAnswerCheck(client, { endpoint: 'bench', region: 'us-east-1' }, buffers);
  return client;
}

/** One reading, in this process: prints its figures as JSON. */
async function measure(transport: Transport, port: number): Promise<void> {
  const counts = countCollections();
  const live = new Map<string, { instanceId: string; status: string; version: number; tags: string[] }>();
  for (let index = 0; index < liveEntries; index++) live.set(`i-${index.toString(16).padStart(17, '0')}`, { instanceId: `inst-${index}`, status: 'RUNNING', version: index, tags: [`a${index}`, `b${index}`] });
  const client = clientFor(transport, port);
  let unknown = 0;
  /** A poll's pages, each read and its instances looked up, as a diff would; answers how many instances it read. */
  const poll = async (): Promise<number> => {
    let instances = 0;
    for (let page = 0; page < pagesPerPoll; page++) {
      const read = describeAnswerOf(await client.send(new DescribeInstancesCommand({ MaxResults: instancesPerPage }))).read();
      for (const reservation of read.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (live.get(instance.InstanceId ?? '') === undefined) unknown++;
          instances++;
        }
      }
    }
    return instances;
  };
  await poll();
  counts.reset();
  const before = process.cpuUsage();
  let instances = 0;
  for (let round = 0; round < polls; round++) instances += await poll();
  const cpu = process.cpuUsage(before);
  if (instances !== polls * pagesPerPoll * instancesPerPage || unknown === 0) throw new Error(`${instances} instances read, ${unknown} looked up in vain`);
  // Let the observer hear the last collections.
  await new Promise((resolve) => setTimeout(resolve, 50));
  client.destroy();
  const figures: Figures = { transport, cpuMicrosecondsPerInstance: (cpu.user + cpu.system) / instances, markCompactsPerPoll: counts.markCompacts / polls, scavengesPerPoll: counts.scavenges / polls };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function runAll(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const server = spawn(process.execPath, [script], { env: { ...process.env, EC2_TRANSPORT_ROLE: 'serve' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`the page server exited (${code})`)));
    });
    const results = readInFreshProcesses<Figures>({ script, variants: transports, variantVariable: 'EC2_TRANSPORT', env: { EC2_TRANSPORT_ROLE: 'measure', EC2_TRANSPORT_PORT: port }, rounds: 3 });
    console.log(`${polls} polls of ${pagesPerPoll} DescribeInstances pages of ${instancesPerPage} instances (${renderedPage().length} bytes each), ${liveEntries} entries live; Node ${process.version}; a fresh process a reading`);
    for (const row of results) {
      console.log(`${row.transport.padEnd(22)} ${row.cpuMicrosecondsPerInstance.toFixed(2).padStart(6)} µs CPU/instance, ${row.markCompactsPerPoll.toFixed(1).padStart(4)} mark-compacts a poll, ${row.scavengesPerPoll.toFixed(1).padStart(5)} scavenges a poll`);
    }
  } finally {
    server.kill();
  }
}

const role = process.env['EC2_TRANSPORT_ROLE'];
const transport = transports.find((name) => name === process.env['EC2_TRANSPORT']);
if (role === 'serve') serve();
else if (role === 'measure' && transport !== undefined) await measure(transport, Number(process.env['EC2_TRANSPORT_PORT']));
else await runAll();
