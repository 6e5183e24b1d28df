/**
 * EC2 page-reading benchmark (#12): the cost per instance of reading one
 * 1,000-instance DescribeInstances page (rendered by the EC2 simulator) by
 * the SDK's own deserializer and by the bridge's client (answer check and
 * `describe-parser.ts`), both through `client.send` with an in-memory
 * transport, and by the scanner alone (on the page's bytes); beside them, the well-formedness
 * check of a well-kept library (fast-xml-parser's `XMLValidator`, which reads
 * nothing out) and the fetch floor's own regex scan (`floors/listers.ts`),
 * which checks nothing: the scanner checks the whole page as it reads, so the first is
 * its floor, not the second. Beside the one page read over and over, the scanner
 * on 20 distinct pages, each read once in turn, as a poll reads them. Medians of 7 runs. A one-off
 * measurement for the README, separate from `npm run bench`.
 * Run: node dist/bench/ec2-parse.bench.js
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { XMLValidator } from 'fast-xml-parser';
import { managedInstanceIds } from './floors/listers.js';
import { addAnswerCheck, describeAnswerOf, parseDescribeInstancesXml } from '../adapters/ec2/index.js';
import { ec2Headers } from '../test/simulators/ec2/errors.js';
import { createInventory } from '../test/simulators/ec2/index.js';
import { renderDescribeInstances } from '../test/simulators/ec2/representation.js';

const instancesPerPage = 1000;
const inventory = createInventory({ now: () => Date.now(), terminatedRetentionSeconds: 3600, ownerId: '123456789012', region: 'us-east-1', seed: 7 });
inventory.seedDcmInstances({ count: instancesPerPage, tagged: instancesPerPage });
const body = Buffer.from(renderDescribeInstances('req', inventory.list(), 'next', 'us-east-1'));
const headers = ec2Headers('req', Date.now());

function clientAnswering(bridgeReading: boolean): EC2Client {
  const client = new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
    maxAttempts: 1,
    requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: { ...headers }, body } }) },
  });
  if (bridgeReading) {
    // As client.ts builds it.
    client.middlewareStack.remove('loggerMiddleware');
    addAnswerCheck(client, { endpoint: 'bench', region: 'us-east-1' });
  }
  return client;
}

async function microsecondsPerInstance(read: () => unknown, iterations: number): Promise<{ median: number; min: number; max: number }> {
  for (let warmup = 0; warmup < 3; warmup++) await read();
  const runs: number[] = [];
  for (let run = 0; run < 7; run++) {
    const started = process.hrtime.bigint();
    for (let iteration = 0; iteration < iterations; iteration++) await read();
    runs.push(Number(process.hrtime.bigint() - started) / 1000 / iterations / instancesPerPage);
  }
  runs.sort((a, b) => a - b);
  return { median: runs[3] ?? NaN, min: runs[0] ?? NaN, max: runs[6] ?? NaN };
}

function assertValid(verdict: true | { err: { msg: string } }): void {
  if (verdict !== true) throw new Error(`the page is not well-formed: ${verdict.err.msg}`);
}

/** The fetch floor's reading: ids, state names and tags by regex, nothing checked. */
function scanWithoutChecking(xml: string): number {
  const found = managedInstanceIds(xml).length;
  if (found !== instancesPerPage) throw new Error(`the fetch floor's scan found ${found} instances`);
  return found;
}

// The bridge reads each page once, fresh from the socket, while the poll's earlier results are still alive;
// reading one page over and over (the rows above) keeps it warm and understates that.
const freshPageCount = 20;
const freshInventory = createInventory({ now: () => Date.now(), terminatedRetentionSeconds: 3600, ownerId: '123456789012', region: 'us-east-1', seed: 11 });
freshInventory.seedDcmInstances({ count: freshPageCount * instancesPerPage, tagged: freshPageCount * instancesPerPage });
const freshRecords = freshInventory.list();
const freshPages = Array.from({ length: freshPageCount }, (_unused, page) => Buffer.from(renderDescribeInstances('req', freshRecords.slice(page * instancesPerPage, (page + 1) * instancesPerPage), 'next', 'us-east-1')));
const pollResults: unknown[] = [];
let nextFreshPage = 0;
function readFreshPage(): void {
  const page = freshPages[nextFreshPage++ % freshPageCount] ?? body;
  pollResults.push(parseDescribeInstancesXml(page));
  if (pollResults.length > 2 * freshPageCount) pollResults.shift();
}

const sdk = clientAnswering(false);
const bridge = clientAnswering(true);
const text = body.toString('utf8');
const rows = [
  { name: 'SDK client.send (its deserializer)', ...(await microsecondsPerInstance(() => sdk.send(new DescribeInstancesCommand({ MaxResults: instancesPerPage })), 5)) },
  { name: 'bridge client.send (answer check + scanner)', ...(await microsecondsPerInstance(async () => describeAnswerOf(await bridge.send(new DescribeInstancesCommand({ MaxResults: instancesPerPage }))).read(), 20)) },
  { name: 'parseDescribeInstancesXml alone', ...(await microsecondsPerInstance(() => parseDescribeInstancesXml(body), 50)) },
  { name: `read, ${freshPageCount} distinct pages in turn`, ...(await microsecondsPerInstance(readFreshPage, 50)) },
  { name: 'fast-xml-parser XMLValidator alone (checks, reads nothing)', ...(await microsecondsPerInstance(() => assertValid(XMLValidator.validate(text)), 50)) },
  { name: "the fetch floor's regex scan (reads, checks nothing)", ...(await microsecondsPerInstance(() => scanWithoutChecking(text), 50)) },
];
console.log(`one DescribeInstances page: ${instancesPerPage} instances, ${body.length} bytes; Node ${process.version}; medians of 7 runs`);
for (const row of rows) console.log(`${row.name.padEnd(45)} ${row.median.toFixed(1).padStart(6)} µs/instance (min ${row.min.toFixed(1)}, max ${row.max.toFixed(1)})`);
const [sdkRow, bridgeRow] = rows;
if (sdkRow && bridgeRow) console.log(`SDK / bridge: ${(sdkRow.median / bridgeRow.median).toFixed(1)}x`);
sdk.destroy();
bridge.destroy();
