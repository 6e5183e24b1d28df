import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator } from './index.js';
import { sdkClient } from './support.js';

// "Eventual consistency in the Amazon EC2 API" (EC2 developer guide): a resource just created may not
// be returned by describe calls yet. The lag is the new resource's propagation, so it is fixed at launch.
describe('visibility lag: each instance keeps the lag it was launched under', () => {
  // A fixed offset on the real clock: the SDK signs with real time, and the tests move this clock forward only.
  let offset = 0;
  const simulator = createEc2Simulator({ now: () => Date.now() + offset });
  let running: RunningServer;

  const listedIds = async (): Promise<string[]> => {
    const answer = await sdkClient(running.url, { systemClockOffset: offset }).send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['lag-test'] }] }));
    return (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId ?? '');
  };

  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());

  it('an instance listed before the lag is switched on stays listed; one launched under it shows only after its own lag', async () => {
    const early = simulator.inventory.addInstance({ tags: { 'lag-test': 'early' } });
    assert.deepEqual(await listedIds(), [early.instanceId]);
    simulator.setVisibilityLag(30);
    const fresh = simulator.inventory.addInstance({ tags: { 'lag-test': 'fresh' } });
    assert.deepEqual(await listedIds(), [early.instanceId], 'the listed instance does not vanish; the new one is not visible yet');
    assert.equal(simulator.inventory.isVisible(fresh.instanceId), false);
    offset += 31_000;
    assert.deepEqual(await listedIds(), [early.instanceId, fresh.instanceId]);
  });

  it('switching the lag off does not reveal an instance still propagating', async () => {
    simulator.reset();
    simulator.setVisibilityLag(20);
    const propagating = simulator.inventory.addInstance({ tags: { 'lag-test': 'propagating' } });
    simulator.setVisibilityLag(0);
    const later = simulator.inventory.addInstance({ tags: { 'lag-test': 'later' } });
    assert.deepEqual(await listedIds(), [later.instanceId], 'launched after the switch: visible at once; launched under it: not yet');
    offset += 21_000;
    assert.deepEqual(await listedIds(), [propagating.instanceId, later.instanceId]);
  });
});
