import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { rawRequest, type RunningServer } from '../common/index.js';
import { createEc2Simulator, DEFAULT_CREDENTIALS, ec2Fault } from './index.js';
import { sdkClient, signedCall } from './support.js';

interface SdkError extends Error {
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number; readonly totalRetryDelay?: number };
}

describe('EC2 faults', () => {
  const delays: number[] = [];
  const readOnly = { accessKeyId: 'AKIAREADONLYEXAMPLE0', secretAccessKey: 'read-only-secret', allowedActions: ['DescribeRegions'] };
  const simulator = createEc2Simulator({ credentials: [DEFAULT_CREDENTIALS, readOnly], delay: async (milliseconds) => void delays.push(milliseconds) });
  let running: RunningServer;

  before(async () => {
    simulator.seedDcmInstances({ count: 3, tagged: 3 });
    running = await simulator.start();
  });
  afterEach(() => {
    simulator.faults.clear();
    simulator.setAuthFailure(false);
  });
  after(() => running.close());

  it('RequestLimitExceeded surfaces under that name, HTTP 503, when the SDK may not retry (maxAttempts 1)', async () => {
    simulator.faults.set([ec2Fault('RequestLimitExceeded', { type: 'next', count: 1 })]);
    await assert.rejects(sdkClient(running.url, { maxAttempts: 1 }).send(new DescribeInstancesCommand({})), (error: SdkError) => {
      assert.equal(error.name, 'RequestLimitExceeded');
      assert.equal(error.message, 'Request limit exceeded.');
      assert.equal(error.$metadata?.httpStatusCode, 503);
      assert.equal(error.$metadata?.attempts, 1);
      return true;
    });
    assert.equal(simulator.stats().faultsFired.throttle429, 1);
  });

  it('the SDK retries throttling: two refusals then success count 3 attempts (maxAttempts 3)', async () => {
    simulator.faults.set([ec2Fault('RequestLimitExceeded', { type: 'next', count: 2 })]);
    simulator.resetStats();
    const answer = await sdkClient(running.url, { maxAttempts: 3 }).send(new DescribeInstancesCommand({}));
    assert.equal(answer.$metadata.attempts, 3);
    assert.equal(simulator.stats().byRoute['POST /'], 3);
    console.log(`SDK retry: ${answer.$metadata.attempts ?? '?'} attempts, ${answer.$metadata.totalRetryDelay ?? '?'} ms of backoff`);
  });

  it('the SDK gives up after maxAttempts when throttling lasts ("always")', async () => {
    simulator.faults.set([ec2Fault('RequestLimitExceeded')]);
    await assert.rejects(sdkClient(running.url, { maxAttempts: 3 }).send(new DescribeInstancesCommand({})), (error: SdkError) => {
      assert.equal(error.name, 'RequestLimitExceeded');
      assert.equal(error.$metadata?.attempts, 3);
      return true;
    });
  });

  it('Unavailable (503) and InternalError (500) come with EC2 error bodies', async () => {
    simulator.faults.set([ec2Fault('Unavailable', { type: 'next', count: 1 }), ec2Fault('InternalError', { type: 'next', count: 1 })]);
    const unavailable = await signedCall(running.url, { Action: 'DescribeInstances' });
    assert.deepEqual([unavailable.status, unavailable.errorCode], [503, 'Unavailable']);
    const internal = await signedCall(running.url, { Action: 'DescribeInstances' });
    assert.deepEqual([internal.status, internal.errorCode], [500, 'InternalError']);
    await assert.rejects(
      (async () => {
        simulator.faults.set([ec2Fault('Unavailable', { type: 'next', count: 1 })]);
        await sdkClient(running.url).send(new DescribeInstancesCommand({}));
      })(),
      { name: 'Unavailable' },
    );
  });

  it('the AuthFailure switch refuses correctly signed requests until turned off (in process and over /_sim/)', async () => {
    simulator.setAuthFailure(true);
    await assert.rejects(sdkClient(running.url).send(new DescribeInstancesCommand({})), (error: SdkError) => error.name === 'AuthFailure' && error.$metadata?.httpStatusCode === 401);
    const off = await fetch(`${running.url}/_sim/auth-failure`, { method: 'POST', body: JSON.stringify({ enabled: false }) });
    assert.deepEqual(await off.json(), { enabled: false });
    assert.equal((await signedCall(running.url, { Action: 'DescribeInstances' })).status, 200);
  });

  it('a key limited to other actions gets UnauthorizedOperation 403', async () => {
    await assert.rejects(sdkClient(running.url, { credentials: readOnly }).send(new DescribeInstancesCommand({})), (error: SdkError) => {
      assert.equal(error.name, 'UnauthorizedOperation');
      assert.equal(error.$metadata?.httpStatusCode, 403);
      return true;
    });
  });

  it('kit faults apply too: latency (through the injected delay) and a cut body', async () => {
    delays.length = 0;
    simulator.faults.set([{ kind: 'latencyMs', delayMs: 250, trigger: { type: 'next', count: 1 } }]);
    assert.equal((await signedCall(running.url, { Action: 'DescribeInstances' })).status, 200);
    assert.deepEqual(delays, [250]);
    simulator.faults.set([{ kind: 'truncateBody', trigger: { type: 'next', count: 1 } }]);
    const cut = await rawRequest(running.url, '/', { method: 'POST', body: 'Action=DescribeInstances' });
    assert.equal(cut.kind, 'truncated');
  });

  it('faults set over HTTP: {"kind": "throttle429"} is RequestLimitExceeded', async () => {
    const set = await fetch(`${running.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ faults: [{ kind: 'throttle429', trigger: { type: 'next', count: 1 } }] }) });
    assert.equal(set.status, 200);
    const throttled = await signedCall(running.url, { Action: 'DescribeInstances' });
    assert.deepEqual([throttled.status, throttled.errorCode], [503, 'RequestLimitExceeded']);
  });
});
