import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, INSTANCE_STATE_CODES, InventoryError, LIFECYCLE } from './index.js';
import { sdkClient } from './support.js';

describe('instance states, reasons and the terminated grace period', () => {
  // A fixed offset on the real clock: the SDK signs with real time, and tests move this clock forward only.
  let offset = 0;
  const simulator = createEc2Simulator({ now: () => Date.now() + offset, terminatedRetentionSeconds: 3600 });
  let running: RunningServer;

  const describeOne = async (instanceId: string): Promise<Instance | undefined> => {
    const answer = await sdkClient(running.url, { systemClockOffset: offset }).send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }));
    return answer.Reservations?.[0]?.Instances?.[0];
  };

  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());

  it('walks pending → running → stopping → stopped → shutting-down → terminated with the EC2 codes', async () => {
    const record = simulator.inventory.addInstance({ state: 'pending' });
    const seen: [string | undefined, number | undefined][] = [];
    for (;;) {
      const instance = await describeOne(record.instanceId);
      seen.push([instance?.State?.Name, instance?.State?.Code]);
      if (instance?.State?.Name === 'terminated') {
        break;
      }
      simulator.inventory.stepLifecycle(record.instanceId);
    }
    assert.deepEqual(
      seen,
      LIFECYCLE.map((state) => [state, INSTANCE_STATE_CODES[state]]),
    );
    assert.deepEqual([0, 16, 64, 80, 32, 48], seen.map(([, code]) => code));
    assert.throws(() => simulator.inventory.stepLifecycle(record.instanceId), InventoryError);
    assert.throws(() => simulator.inventory.setState(record.instanceId, 'running'), /is terminated/);
  });

  it('reports stateReason: pending, hibernation, spot interruption; none once running', async () => {
    const record = simulator.inventory.addInstance({ state: 'pending' });
    assert.deepEqual((await describeOne(record.instanceId))?.StateReason, { Code: 'pending', Message: 'pending' });
    simulator.inventory.setState(record.instanceId, 'running');
    assert.equal((await describeOne(record.instanceId))?.StateReason, undefined);
    simulator.inventory.setState(record.instanceId, 'stopping', { reason: 'userHibernate' });
    assert.equal((await describeOne(record.instanceId))?.StateReason?.Code, 'Client.UserInitiatedHibernate');
    const spot = simulator.inventory.addInstance();
    simulator.inventory.setState(spot.instanceId, 'shutting-down', { reason: 'spotTermination', transitionReason: 'Service initiated' });
    const interrupted = await describeOne(spot.instanceId);
    assert.deepEqual(interrupted?.StateReason, { Code: 'Server.SpotInstanceTermination', Message: 'Server.SpotInstanceTermination: Spot instance termination' });
    assert.equal(interrupted?.StateTransitionReason, 'Service initiated');
  });

  it('keeps a terminated instance listed for the retention period, then drops it', async () => {
    const record = simulator.inventory.addInstance({ tags: { 'managed-by': 'dcm' } });
    simulator.inventory.setState(record.instanceId, 'terminated');
    offset += 59 * 60 * 1000;
    assert.equal((await describeOne(record.instanceId))?.State?.Name, 'terminated');
    offset += 2 * 60 * 1000;
    assert.equal(await describeOne(record.instanceId), undefined);
    assert.equal(simulator.inventory.getInstance(record.instanceId), undefined);
    await assert.rejects(sdkClient(running.url, { systemClockOffset: offset }).send(new DescribeInstancesCommand({ InstanceIds: [record.instanceId] })), { name: 'InvalidInstanceID.NotFound' });
  });
});
