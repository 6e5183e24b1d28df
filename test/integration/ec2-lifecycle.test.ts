import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.js';
import { startEc2Bridge } from '../support/ec2-bridge.js';
import { startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';

let harness: Harness;
let lab: Ec2Lab;
// The simulator's clock: it decides when a terminated instance stops being listed.
let aheadMs = 0;
before(async () => {
  harness = await startHarness();
  // 60 s retention instead of EC2's hour: the simulator clock may only run 15 minutes ahead of the SDK's signatures.
  lab = await startEc2Lab({ now: () => Date.now() + aheadMs, terminatedRetentionSeconds: 60 });
});
after(async () => {
  await lab.close();
  await harness.dispose();
});

test('pending → running → stopping → stopped → shutting-down → terminated: one event per state; vanishing later sends nothing', async () => {
  const name = 'aws-lifecycle';
  const [seeded] = lab.simulator.seedDcmInstances({ count: 2, tagged: 1, state: 'pending' });
  const instanceId = seeded?.instanceId ?? '';
  const { bridge, events } = await startEc2Bridge(harness, [lab.endpointInput({ name })]);

  const statuses: string[] = [];
  for (let step = 0; step < 6; step++) {
    if (step > 0) lab.simulator.inventory.stepLifecycle(instanceId);
    const result = await bridge.runOnce();
    assert.ok(result.ok, JSON.stringify(result.endpoints));
    assert.ok((await bridge.runOnce()).ok, 'an unchanged second poll');
    statuses.push(lab.simulator.inventory.getInstance(instanceId)?.state ?? '?');
  }
  const received = await events(name);
  console.log(received.map((message) => `${message.event.data.status}: ${message.event.data.message}`).join('\n'));
  assert.deepEqual(statuses, ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']);
  assert.deepEqual(received.map((message) => message.event.data.status), ['PROVISIONING', 'RUNNING', 'STOPPING', 'STOPPED', 'DELETING', 'DELETED']);
  assert.ok(received.every((message) => message.subject === 'dcm.vm' && message.event.data.id === 'inst-00001'));
  assert.match(received.at(-1)?.event.data.message ?? '', /was deleted \(ec2: terminated\)/);

  aheadMs += 61_000;
  assert.equal(lab.simulator.inventory.getInstance(instanceId), undefined, 'EC2 no longer lists it');
  for (let poll = 0; poll < 4; poll++) assert.ok((await bridge.runOnce()).ok);
  const afterwards = await events(name);
  assert.equal(afterwards.length, 6, 'no second DELETED when the terminated instance vanishes');
  assert.equal(bridge.status(name)?.lastReport?.observed, 0);
});

test('hibernation through the pipeline: running → PAUSED with "hibernated" in the message, then RUNNING on resume', async () => {
  const name = 'aws-hibernate';
  lab.simulator.reset();
  const [seeded] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1 });
  const instanceId = seeded?.instanceId ?? '';
  const { bridge, events } = await startEc2Bridge(harness, [lab.endpointInput({ name })]);
  assert.ok((await bridge.runOnce()).ok);
  lab.simulator.inventory.setState(instanceId, 'stopping', { reason: 'userHibernate' });
  assert.ok((await bridge.runOnce()).ok);
  lab.simulator.inventory.setState(instanceId, 'stopped', { reason: 'userHibernate' });
  assert.ok((await bridge.runOnce()).ok);
  lab.simulator.inventory.setState(instanceId, 'running');
  assert.ok((await bridge.runOnce()).ok);
  const received = await events(name);
  assert.deepEqual(received.map((message) => message.event.data.status), ['RUNNING', 'STOPPING', 'PAUSED', 'RUNNING']);
  assert.match(received[2]?.event.data.message ?? '', /hibernated.*Client\.UserInitiatedHibernate/);
  assert.equal(received[2]?.event['dcmpreviousstatus'], 'STOPPING');
});
