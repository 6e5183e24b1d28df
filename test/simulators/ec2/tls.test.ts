import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { throwAwayCertificate, type RunningServer } from '../common/index.js';
import { createEc2Simulator } from './index.js';
import { sdkClient, signedCall } from './support.js';

const certificate = throwAwayCertificate();

// openssl makes the certificate; without it these tests fail (never skipped).
describe('EC2 simulator over HTTPS', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer | undefined;

  before(async () => {
    assert.ok(certificate !== undefined, 'openssl is needed to make a throw-away certificate');
    simulator.seedDcmInstances({ count: 2, tagged: 1 });
    running = await simulator.start({ tls: certificate });
  });
  after(() => running?.close());

  it('serves the SDK when it trusts the self-signed certificate', async () => {
    assert.ok(running !== undefined && certificate !== undefined);
    assert.match(running.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await sdkClient(running.url, { ca: certificate.cert }).send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:managed-by', Values: ['dcm'] }] }));
    assert.equal(answer.Reservations?.length, 1);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    assert.ok(running !== undefined);
    await assert.rejects(signedCall(running.url, { Action: 'DescribeInstances' }), /no complete answer: failed/);
  });
});
