// rateLimits.ec2 through the bridge (real Redis + NATS JetStream, the EC2 simulator): the
// account's bucket paces DescribeInstances, and `requestsPerSecond: 0` turns it off, as for
// every platform (README "Platform rate limits"): the adapter then has no bucket of its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBucketSettings } from '../../adapters/ec2/index.js';
import { useHarness } from '../support/harness.js';
import { startEc2Bridge } from '../support/ec2-bridge.js';
import { fastRetries, startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';

const harness = useHarness();
let lab: Ec2Lab;
before(async () => {
  lab = await startEc2Lab();
});
after(() => lab.close());

/** Pages of 5: 500 instances are 100 DescribeInstances calls, twice defaultBucketSettings' burst of 50 (such a bucket would take 5 s). */
const instances = 500;
const pages = instances / 5;

/** One poll of a fresh endpoint under `rateLimits`: how many DescribeInstances calls it made, and how long it took. */
async function pollUnder(name: string, rateLimits: string): Promise<{ calls: number; elapsedMs: number }> {
  lab.simulator.reset();
  lab.simulator.seedDcmInstances({ count: instances, tagged: instances });
  const { bridge } = await startEc2Bridge(harness(), [lab.endpointInput({ name })], { ...fastRetries, pageSize: 5 }, `rateLimits: { ec2: ${rateLimits} }\n`);
  const started = Date.now();
  const result = await bridge.runOnce();
  const elapsedMs = Date.now() - started;
  assert.ok(result.ok, JSON.stringify(result.endpoints));
  return { calls: lab.simulator.usage().actions['DescribeInstances'] ?? 0, elapsedMs };
}

test('requestsPerSecond: 0 turns the limit off: 100 pages go faster than any bucket of defaultBucketSettings would let them', async () => {
  const { calls, elapsedMs } = await pollUnder('aws-unlimited', '{ requestsPerSecond: 0 }');
  assert.equal(calls, pages);
  const bucketAllows = defaultBucketSettings.capacity + (defaultBucketSettings.refillPerSecond * elapsedMs) / 1000;
  console.log(`limit off: ${calls} DescribeInstances calls in ${elapsedMs} ms (a bucket of ${defaultBucketSettings.capacity} and ${defaultBucketSettings.refillPerSecond}/s would allow ${bucketAllows.toFixed(1)})`);
  assert.ok(calls > bucketAllows, `${calls} calls took ${elapsedMs} ms: paced as if limited`);
});

test('a limit paces every page: 100 pages at 50/s with a burst of 10 take at least 1.8 s', async () => {
  const { calls, elapsedMs } = await pollUnder('aws-limited', '{ requestsPerSecond: 50, burst: 10 }');
  assert.equal(calls, pages);
  const floorMs = ((pages - 10) / 50) * 1000;
  console.log(`limit 50/s, burst 10: ${calls} calls in ${elapsedMs} ms (at least ${floorMs} ms)`);
  assert.ok(elapsedMs >= floorMs * 0.95, `${calls} calls in ${elapsedMs} ms, faster than the limit allows`);
});
