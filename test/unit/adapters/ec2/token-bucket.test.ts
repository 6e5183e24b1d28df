import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from '../../../support/fake-clock.js';
import { accountKeyOf, createAccountBuckets, createEc2Adapter, createTokenBucket, defaultBucketSettings } from '../../../../adapters/ec2/index.js';
import { connectEc2, fastRetries, startEc2Lab, validateEc2Input, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll } from '../../../support/vsphere-lab.js';

describe('EC2 request token bucket (fake clock)', () => {
  test('a full bucket serves its capacity at once, then one token per 1/refill seconds, in order', async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ capacity: 3, refillPerSecond: 2 }, clock);
    for (let take = 0; take < 3; take++) await bucket.take();
    const served: number[] = [];
    const waiting = [1, 2, 3].map((index) => bucket.take().then(() => served.push(index)));
    await clock.advance(499);
    assert.deepEqual(served, []);
    await clock.advance(1);
    assert.deepEqual(served, [1]);
    await clock.advance(500);
    assert.deepEqual(served, [1, 2]);
    await clock.advance(500);
    await Promise.all(waiting);
    assert.deepEqual(served, [1, 2, 3]);
    await clock.advance(10_000);
    assert.equal(bucket.available(), 3, 'refills up to capacity, never beyond');
  });

  test('drain empties it (EC2 said RequestLimitExceeded); an aborted wait returns its token', async () => {
    const clock = createFakeClock();
    const bucket = createTokenBucket({ capacity: 10, refillPerSecond: 10 }, clock);
    bucket.drain();
    assert.equal(bucket.available(), 0);
    const controller = new AbortController();
    const aborted = bucket.take(controller.signal);
    controller.abort(new Error('poll aborted'));
    await assert.rejects(aborted, /poll aborted/);
    assert.equal(bucket.available(), 0);
    let served = false;
    const next = bucket.take().then(() => (served = true));
    await clock.advance(99);
    assert.equal(served, false);
    await clock.advance(1);
    await next;
    assert.equal(served, true);
  });

  test('defaults: half of EC2\'s published Describe* bucket (100 tokens, 20/s)', () => {
    assert.deepEqual({ ...defaultBucketSettings }, { capacity: 50, refillPerSecond: 10 });
  });

  test('two endpoints of one account share a bucket; other accounts, regions and clouds do not', async () => {
    const clock = createFakeClock();
    const buckets = createAccountBuckets({ capacity: 2, refillPerSecond: 1 });
    const adapter = createEc2Adapter({ accountBuckets: buckets });
    const keys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) };
    const endpoint = (name: string, extra: Record<string, unknown> = {}) => validateEc2Input({ name, platform: 'ec2', region: 'eu-west-1', credentials: keys, ...extra }, adapter);
    const first = endpoint('aws-a');
    const second = endpoint('aws-b', { intervalSeconds: 60 });
    const otherKey = endpoint('aws-c', { credentials: { ...keys, accessKeyId: 'AKIAOTHEREXAMPLE0000' } });
    const otherRegion = endpoint('aws-d', { region: 'us-east-1' });
    const otherCloud = endpoint('aws-e', { url: 'https://ec2.private.example' });
    const roleA = endpoint('aws-f', { roleArn: 'arn:aws:iam::111122223333:role/reader' });
    const roleB = endpoint('aws-g', { roleArn: 'arn:aws:iam::111122223333:role/other', credentials: { ...keys, accessKeyId: 'AKIAOTHEREXAMPLE0000' } });
    assert.equal(accountKeyOf(first), accountKeyOf(second));
    assert.equal(accountKeyOf(roleA), accountKeyOf(roleB), 'one account by its role ARN, whatever the base keys');
    const distinct = new Set([first, otherKey, otherRegion, otherCloud, roleA].map(accountKeyOf));
    assert.equal(distinct.size, 5);
    for (const key of distinct) assert.ok(!key.includes(keys.secretAccessKey));

    const shared = buckets.forAccount(accountKeyOf(first), clock);
    assert.equal(buckets.forAccount(accountKeyOf(second), clock), shared);
    await shared.take();
    await buckets.forAccount(accountKeyOf(second), clock).take();
    assert.equal(shared.available(), 0, 'both endpoints drew from one bucket');
    assert.equal(buckets.forAccount(accountKeyOf(otherKey), clock).available(), 2, 'another account is untouched');
    assert.equal(buckets.size(), 2);
  });

  test('each adapter instance has its own registry (no module-level state)', () => {
    const clock = createFakeClock();
    const left = createAccountBuckets();
    const right = createAccountBuckets();
    assert.notEqual(left.forAccount('k', clock), right.forAccount('k', clock));
  });
});

describe('EC2 adapter without the bridge\'s bucket (fake clock, simulator)', () => {
  let lab: Ec2Lab;
  before(async () => {
    lab = await startEc2Lab();
    lab.simulator.seedDcmInstances({ count: 260, tagged: 260 });
  });
  after(() => lab.close());
  const pagesAsked = (): number => lab.simulator.stats().byRoute['POST /'] ?? 0;

  test('given no bucket of its own, it is not limited: the bridge\'s rateLimits.ec2.requestsPerSecond: 0 means off', async () => {
    const clock = createFakeClock();
    const asked = pagesAsked();
    const { connection } = connectEc2(lab.endpointInput({ name: 'aws-unlimited' }), createEc2Adapter({ ...fastRetries, pageSize: 5 }), clock);
    // The fake clock never moves: a bucket would hold the listing once empty, and 52 pages are more than defaultBucketSettings' burst.
    const instances = await listAll(connection);
    assert.equal(instances.length, 260);
    assert.equal(pagesAsked() - asked, 52, '52 pages of 5, asked back to back');
    await connection.close();
  });

  test('given a bucket of its own (a lab without the bridge), every page waits for a token', async () => {
    const clock = createFakeClock();
    const asked = pagesAsked();
    const { connection } = connectEc2(lab.endpointInput({ name: 'aws-limited' }), createEc2Adapter({ ...fastRetries, pageSize: 100, bucket: { capacity: 1, refillPerSecond: 1 } }), clock);
    let done = false;
    const listing = listAll(connection).then((instances) => {
      done = true;
      return instances;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(done, false, 'held after its one token');
    assert.equal(pagesAsked() - asked, 1);
    await clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(pagesAsked() - asked, 2, 'one more page per refilled token');
    await clock.advance(1000);
    assert.equal((await listing).length, 260);
    assert.equal(pagesAsked() - asked, 3);
    await connection.close();
  });
});
