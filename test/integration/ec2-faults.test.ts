import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Bridge } from '../../src/bridge/index.js';
import { instances, startHarness, type Harness } from '../support/harness.js';
import { startEc2Bridge } from '../support/ec2-bridge.js';
import { startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';
import { ec2Fault } from '../simulators/ec2/index.js';

let harness: Harness;
let troubled: Ec2Lab;
let healthy: Ec2Lab;
before(async () => {
  harness = await startHarness();
  [troubled, healthy] = await Promise.all([startEc2Lab(), startEc2Lab()]);
});
after(async () => {
  await Promise.all([troubled.close(), healthy.close()]);
  await harness.dispose();
});

/** Waits (real time, polling) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string, describeState?: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describeState ? `: ${describeState()}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Three endpoints: the troubled ec2 one, a healthy ec2 one (another account) and a `file` one. */
async function threeEndpoints(prefix: string): Promise<{ bridge: Bridge; events: (name: string) => Promise<{ event: { data: { status: string } } }[]>; names: { troubled: string; healthy: string; file: string } }> {
  const names = { troubled: `${prefix}-troubled`, healthy: `${prefix}-healthy`, file: `${prefix}-file` };
  for (const lab of [troubled, healthy]) {
    lab.simulator.reset(); // also clears faults and the AuthFailure switch
    lab.simulator.seedDcmInstances({ count: 4, tagged: 3 });
  }
  harness.setPlatform(names.file, { instances: instances(2) });
  const { bridge, events } = await startEc2Bridge(harness, [
    troubled.endpointInput({ name: names.troubled }),
    healthy.endpointInput({ name: names.healthy }),
    { name: names.file, platform: 'file', file: join(harness.dir, `${names.file}.json`), intervalSeconds: 10 },
  ]);
  return { bridge, events, names };
}

test('RequestLimitExceeded: no event, the poll error is the throttle, the next poll is pushed out; the others publish', async () => {
  const { bridge, events, names } = await threeEndpoints('aws-throttle');
  troubled.simulator.faults.set([ec2Fault('RequestLimitExceeded')]);
  await bridge.start();
  await until(() => bridge.status(names.troubled)?.lastError !== undefined && bridge.status(names.healthy)?.lastSuccessAt !== undefined && bridge.status(names.file)?.lastSuccessAt !== undefined, 'the first poll of every endpoint', () => JSON.stringify(Object.values(names).map((name) => bridge.status(name))));

  const status = bridge.status(names.troubled);
  const healthyStatus = bridge.status(names.healthy);
  assert.equal(status?.lastError?.code, 'PLATFORM_THROTTLED');
  assert.match(status?.lastError?.message ?? '', /^ec2 endpoint aws-throttle-troubled \(us-east-1\): EC2 throttled DescribeInstances \(RequestLimitExceeded, HTTP 503\) after 3 attempt\(s\)/);
  assert.equal(status?.consecutiveFailures, 1);
  const backoffMs = (status?.nextPollAt ?? 0) - (status?.lastError?.at ?? 0);
  const regularMs = (healthyStatus?.nextPollAt ?? 0) - (healthyStatus?.lastSuccessAt ?? 0);
  console.log(`throttled endpoint: next poll ${backoffMs} ms after the failure (interval 10,000 ms; healthy endpoint's next poll ${regularMs} ms after its success); ${troubled.simulator.stats().byRoute['POST /']} SDK attempts`);
  assert.ok(backoffMs >= 2 * 10_000, 'backoff: at least twice the interval after one failure');
  assert.ok(regularMs <= 10_000, 'the healthy endpoint keeps its interval');
  assert.equal(troubled.simulator.stats().byRoute['POST /'], 3, 'the SDK gave up after 3 attempts');

  assert.equal((await events(names.troubled)).length, 0, 'no event from a throttled poll');
  await until(async () => (await events(names.healthy)).length === 3 && (await events(names.file)).length === 2, 'the other endpoints\' events');
  assert.equal(bridge.status(names.healthy)?.consecutiveFailures, 0);
  assert.equal(bridge.status(names.file)?.consecutiveFailures, 0);
  await bridge.stop();
});

test('AuthFailure: a clear error naming the endpoint, failures counted; the other endpoints unaffected; recovery publishes', async () => {
  const { bridge, events, names } = await threeEndpoints('aws-auth');
  troubled.simulator.setAuthFailure(true);
  for (let poll = 1; poll <= 3; poll++) {
    const result = await bridge.runOnce();
    assert.equal(result.ok, false);
    const status = bridge.status(names.troubled);
    assert.equal(status?.consecutiveFailures, poll, 'unhealthy: failures in a row');
    assert.equal(status?.lastError?.code, 'PLATFORM_AUTH');
  }
  const message = bridge.status(names.troubled)?.lastError?.message ?? '';
  console.log(`auth failure → ${message}`);
  assert.match(message, /^ec2 endpoint aws-auth-troubled \(us-east-1\): AWS refused the request \(AuthFailure, HTTP 401\)/);
  assert.ok(!message.includes(troubled.simulator.credentials.secretAccessKey) && !message.includes(troubled.simulator.credentials.accessKeyId));
  assert.equal(troubled.simulator.stats().byRoute['POST /'], 3, 'one request per poll: AuthFailure is not retried');
  assert.equal((await events(names.troubled)).length, 0);
  assert.equal((await events(names.healthy)).length, 3);
  assert.equal((await events(names.file)).length, 2);
  assert.equal(bridge.status(names.healthy)?.consecutiveFailures, 0);
  assert.equal(bridge.status(names.file)?.consecutiveFailures, 0);

  troubled.simulator.setAuthFailure(false);
  assert.ok((await bridge.runOnce()).ok);
  assert.equal(bridge.status(names.troubled)?.consecutiveFailures, 0);
  assert.equal((await events(names.troubled)).length, 3, 'the recovered endpoint publishes its instances once');
});
