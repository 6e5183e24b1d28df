import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBridgeError } from '../../../../src/errors/index.js';
import { createSystemClock } from '../../../../src/clock/index.js';
import { accountKeyOf, createAccountBuckets, createEc2Adapter } from '../../../../adapters/ec2/index.js';
import { connectEc2, fastRetries, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll } from '../../../support/vsphere-lab.js';
import { ec2Fault } from '../../../simulators/ec2/index.js';

describe('EC2 throttling and server errors: bounded SDK retries, then a typed error', () => {
  let lab: Ec2Lab;
  // Every attempt, faulted or not: faults answer before the EC2 handler counts its action.
  const attempts = (): number => lab.simulator.stats().byRoute['POST /'] ?? 0;
  before(async () => {
    lab = await startEc2Lab();
  });
  after(() => lab.close());
  beforeEach(() => {
    lab.simulator.reset();
    lab.simulator.seedDcmInstances({ count: 5, tagged: 5 });
  });

  test('RequestLimitExceeded on every attempt: PLATFORM_THROTTLED after exactly 3 attempts; the account bucket is drained', async () => {
    lab.simulator.faults.set([ec2Fault('RequestLimitExceeded')]);
    const buckets = createAccountBuckets();
    const { connection, requests, endpoint } = connectEc2(lab.endpointInput({ name: 'aws-throttled' }), createEc2Adapter({ ...fastRetries, accountBuckets: buckets }));
    await assert.rejects(listAll(connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_THROTTLED'), String(error));
      console.log(`throttled → ${error.code}: ${error.message}`);
      assert.match(error.message, /^ec2 endpoint aws-throttled \(us-east-1\): EC2 throttled DescribeInstances \(RequestLimitExceeded, HTTP 503\) after 3 attempt\(s\)/);
      assert.equal(error.context.attempts, 3);
      assert.equal(error.context.status, 503);
      return true;
    });
    console.log(`SDK attempts under constant RequestLimitExceeded: ${attempts()} (throttle faults fired: ${lab.simulator.stats().faultsFired.throttle429})`);
    assert.equal(attempts(), 3);
    assert.deepEqual(requests, [503, 503, 503].map((status) => ({ status, throttled: true })));
    assert.equal(buckets.size(), 1);
    const bucket = buckets.forAccount(accountKeyOf(endpoint), createSystemClock());
    assert.ok(bucket.available() < 1, `drained after the throttle (${bucket.available().toFixed(2)} tokens)`);
  });

  test('two throttled answers, then success: the SDK retries inside the call and the listing completes', async () => {
    lab.simulator.faults.set([ec2Fault('RequestLimitExceeded', { type: 'next', count: 2 })]);
    const { connection, requests } = connectEc2(lab.endpointInput());
    assert.equal((await listAll(connection)).length, 5);
    assert.equal(attempts(), 3);
    assert.equal(lab.simulator.usage().actions['DescribeInstances'], 1, 'one reached EC2 proper');
    assert.deepEqual(requests.map((request) => request.status), [503, 503, 200]);
  });

  test('Unavailable (503) and InternalError (500) on every attempt: PLATFORM_HTTP after 3 attempts', async () => {
    for (const code of ['Unavailable', 'InternalError'] as const) {
      lab.simulator.resetStats();
      lab.simulator.faults.set([ec2Fault(code)]);
      await assert.rejects(listAll(connectEc2(lab.endpointInput()).connection), (error: unknown) => {
        assert.ok(isBridgeError(error, 'PLATFORM_HTTP'), String(error));
        assert.match(error.message, new RegExp(`answered HTTP 50[03] \\(${code}\\)`));
        return true;
      });
      assert.equal(attempts(), 3, code);
    }
  });

  test('a throttle on page 2 of 3 fails the whole listing (never a short list)', async () => {
    lab.simulator.reset();
    lab.simulator.seedDcmInstances({ count: 12, tagged: 12 });
    const { connection } = connectEc2(lab.endpointInput(), createEc2Adapter({ ...fastRetries, pageSize: 5 }));
    const pages: number[] = [];
    const listing = (async () => {
      for await (const page of connection.list(new AbortController().signal)) {
        pages.push(page.length);
        if (pages.length === 1) lab.simulator.faults.set([ec2Fault('RequestLimitExceeded')]);
      }
    })();
    await assert.rejects(listing, (error: unknown) => isBridgeError(error, 'PLATFORM_THROTTLED'));
    assert.deepEqual(pages, [5]);
  });

  test('a slow platform: the request timeout fires, retried, then PLATFORM_TIMEOUT', async () => {
    lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 400 }]);
    const adapter = createEc2Adapter({ ...fastRetries, retryPolicy: { ...fastRetries.retryPolicy, maxAttempts: 2 }, requestTimeouts: { connectionTimeoutMs: 500, requestTimeoutMs: 150 } });
    await assert.rejects(listAll(connectEc2(lab.endpointInput({ name: 'aws-slow' }), adapter).connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_TIMEOUT'), String(error));
      assert.match(error.message, /^ec2 endpoint aws-slow \(us-east-1\): DescribeInstances got no answer in time after 2 attempt\(s\)/);
      return true;
    });
  });

  test('an unreachable endpoint: PLATFORM_UNREACHABLE', async () => {
    const closed = await startEc2Lab();
    await closed.close();
    await assert.rejects(listAll(connectEc2(closed.endpointInput()).connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_UNREACHABLE'), String(error));
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
  });

  test('abort while the SDK waits for an answer: POLL_ABORTED at once, no retry', async () => {
    lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 2000 }]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await assert.rejects(listAll(connectEc2(lab.endpointInput()).connection, controller.signal), (error: unknown) => {
      assert.ok(isBridgeError(error, 'POLL_ABORTED'), String(error));
      assert.match(error.message, /aborted: shutting down/);
      return true;
    });
    console.log(`aborted listing returned after ${Date.now() - started} ms`);
    assert.equal(attempts(), 1);
  });
});
