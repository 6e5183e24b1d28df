// Absence is not deletion, on EC2, through the whole pipeline (real Redis + NATS JetStream):
// pages that are not a DescribeInstancesResponse, retagged instances, eventual consistency and
// throttled confirmations never publish DELETED; a real termination publishes exactly one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Bridge } from '../../src/bridge/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startEc2Bridge } from '../support/ec2-bridge.js';
import { fastRetries, startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';
import type { DescribeFaultAnswer } from '../simulators/ec2/index.js';

let harness: Harness;
let lab: Ec2Lab;
// The simulator's clock runs ahead by this much: terminated instances expire, launches age past the lag.
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

/** A bridge with one ec2 endpoint `name` on a freshly reset simulator holding `instances` managed instances (pages of 5). */
async function endpointWith(name: string, instances: number): Promise<{ bridge: Bridge; ids: string[]; statuses: () => Promise<string[]> }> {
  aheadMs = 0;
  lab.simulator.reset();
  const ids = lab.simulator.seedDcmInstances({ count: instances, tagged: instances }).map((instance) => instance.instanceId);
  const { bridge, events } = await startEc2Bridge(harness, [lab.endpointInput({ name })], { ...fastRetries, pageSize: 5 });
  const first = await bridge.runOnce();
  assert.ok(first.ok, JSON.stringify(first.endpoints));
  return { bridge, ids, statuses: async () => (await events(name)).map((message) => `${message.event.data.id}:${message.event.data.status}`) };
}

const deleted = (statuses: readonly string[]): string[] => statuses.filter((status) => status.endsWith(':DELETED'));

const badPages: readonly DescribeFaultAnswer[] = ['html', 'emptyBody', 'otherAction', 'missingInstanceId'];
for (const answer of badPages) {
  test(`${answer} instead of page 2, three polls in a row: every poll fails LIST_INCOMPLETE, 0 DELETED, nothing counted missing`, async () => {
    const name = `aws-page-${answer.toLowerCase()}`;
    const { bridge, statuses } = await endpointWith(name, 12);
    const baseline = await statuses();
    assert.equal(baseline.length, 12);
    lab.simulator.failDescribe({ page: 2, answer, withFilter: 'tag-key', times: 3 });
    for (let poll = 0; poll < 3; poll++) {
      const result = await bridge.runOnce();
      assert.equal(result.ok, false);
      assert.equal(bridge.status(name)?.lastError?.code, 'LIST_INCOMPLETE', bridge.status(name)?.lastError?.message);
    }
    console.log(`${answer} on page 2 → ${bridge.status(name)?.lastError?.message ?? '?'}`);
    assert.equal(lab.simulator.usage().describeFaults[answer], 3);
    for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok, 'complete lists again');
    assert.deepEqual(await statuses(), baseline, 'no event at all: no DELETED, no re-publication');
  });
}

test('retagged (managed-by changed, instance-id tag removed): unmanaged, 0 DELETED, no longer tracked', async () => {
  const name = 'aws-retagged';
  const { bridge, ids, statuses } = await endpointWith(name, 4);
  const [retagged, untagged] = ids;
  lab.simulator.inventory.setTags(retagged ?? '', { 'managed-by': 'ops-team' });
  lab.simulator.inventory.removeTags(untagged ?? '', ['dcm-instance-id']);
  lab.simulator.resetStats();
  for (let poll = 0; poll < 4; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(deleted(await statuses()), [], 'retagging is not deletion');
  assert.equal((await statuses()).length, 4);
  const confirmCalls = lab.simulator.usage().actions['DescribeInstances'] ?? 0;
  console.log(`retagged: ${confirmCalls} DescribeInstances calls over 4 polls (4 listings + confirmations)`);
  assert.ok(confirmCalls <= 5, 'asked once, then no longer tracked');
  const index = await bridge.cache.readIndex(name);
  assert.ok(!(retagged! in index.members) && !(untagged! in index.members), `both left the index: ${JSON.stringify(index.members)}`);

  // Tagged for DCM again, while stopped: back in scope, its state is published again.
  lab.simulator.inventory.setState(retagged ?? '', 'stopped');
  lab.simulator.inventory.setTags(retagged ?? '', { 'managed-by': 'dcm' });
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual((await statuses()).slice(4), ['inst-00001:STOPPED']);
  assert.deepEqual(deleted(await statuses()), []);
});

test('eventual consistency: a just-launched instance invisible for 30 s is published once it shows; instances already listed never vanish', async () => {
  const name = 'aws-lagging';
  const { bridge, statuses } = await endpointWith(name, 3);
  aheadMs = 120_000;
  lab.simulator.setVisibilityLag(30);
  const fresh = lab.simulator.inventory.addInstance({ tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-fresh' } });
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.equal((await statuses()).length, 3, 'not visible yet: nothing');
  aheadMs += 31_000;
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual((await statuses()).slice(3), ['inst-fresh:RUNNING']);
  assert.equal(lab.simulator.inventory.getInstance(fresh.instanceId)?.state, 'running');
  assert.deepEqual(deleted(await statuses()), []);
});

test('a real termination the bridge never saw (past EC2\'s retention): exactly one DELETED, after the confirmation', async () => {
  const name = 'aws-terminated-unseen';
  const { bridge, ids, statuses } = await endpointWith(name, 3);
  lab.simulator.inventory.setState(ids[0] ?? '', 'terminated');
  aheadMs = 61_000;
  assert.equal(lab.simulator.inventory.getInstance(ids[0] ?? ''), undefined, 'EC2 no longer returns it');
  for (let poll = 0; poll < 5; poll++) assert.ok((await bridge.runOnce()).ok);
  const received = await statuses();
  assert.deepEqual(deleted(received), ['inst-00001:DELETED']);
  assert.equal(received.length, 4);
  const deletion = (await harness.dcm.messages()).find((message) => message.event['dcmendpoint'] === name && message.event.data.status === 'DELETED');
  console.log(`confirmed deletion → ${deletion?.event.data.message ?? '?'}`);
  assert.match(deletion?.event.data.message ?? '', /DescribeInstances returned no instance for its id/, 'the DELETED carries the confirmation\'s evidence');
});

test('a termination seen in the list: one DELETED from the state, none more when EC2 stops listing it', async () => {
  const name = 'aws-terminated-seen';
  const { bridge, ids, statuses } = await endpointWith(name, 3);
  lab.simulator.inventory.setState(ids[1] ?? '', 'terminated');
  assert.ok((await bridge.runOnce()).ok);
  aheadMs = 61_000;
  for (let poll = 0; poll < 4; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(deleted(await statuses()), ['inst-00002:DELETED']);
});

test('confirmation throttled past the SDK retries: unknown, the state is kept; the next complete list asks again and deletes once', async () => {
  const name = 'aws-confirm-throttled';
  const { bridge, ids, statuses } = await endpointWith(name, 3);
  lab.simulator.inventory.removeInstance(ids[2] ?? '');
  lab.simulator.failDescribe({ answer: 'RequestLimitExceeded', withFilter: 'instance-id', times: 3 });
  assert.ok((await bridge.runOnce()).ok);
  assert.ok((await bridge.runOnce()).ok, 'the listing was complete; only the confirmation failed');
  assert.equal(lab.simulator.usage().describeFaults['RequestLimitExceeded'], 3, 'the confirmation was asked and throttled');
  assert.deepEqual(deleted(await statuses()), [], 'unknown is not gone');
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(deleted(await statuses()), ['inst-00003:DELETED']);
  for (let poll = 0; poll < 2; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(deleted(await statuses()), ['inst-00003:DELETED'], 'never a second DELETED');
});
