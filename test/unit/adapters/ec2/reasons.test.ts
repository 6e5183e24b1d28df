import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createNormalizer } from '../../../../src/normalize/index.js';
import { ec2StateTable } from '../../../../adapters/ec2/index.js';
import { connectEc2, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll } from '../../../support/vsphere-lab.js';

describe('EC2 state reasons through the real SDK: hibernation and Spot interruptions', () => {
  let lab: Ec2Lab;
  before(async () => {
    lab = await startEc2Lab();
  });
  after(() => lab.close());
  beforeEach(() => lab.simulator.reset());

  test('each instance lists with its refined raw state, the reason as detail, and normalizes as documented', async () => {
    const [hibernating, hibernated, spotStopped, spotTerminating, spotTerminated, userStopped] = lab.simulator.seedDcmInstances({ count: 6, tagged: 6 }).map((seeded) => seeded.instanceId);
    const inventory = lab.simulator.inventory;
    inventory.setState(hibernating ?? '', 'stopping', { reason: 'userHibernate' });
    inventory.setState(hibernated ?? '', 'stopped', { reason: 'userHibernate' });
    inventory.setState(spotStopped ?? '', 'stopped', { reason: 'spotShutdown' });
    inventory.setState(spotTerminating ?? '', 'shutting-down', { reason: 'spotTermination' });
    inventory.setState(spotTerminated ?? '', 'terminated', { reason: 'spotTermination' });
    inventory.setState(userStopped ?? '', 'stopped');

    const listed = await listAll(connectEc2(lab.endpointInput()).connection);
    const normalize = createNormalizer({ table: ec2StateTable, logger: pino({ level: 'silent' }) });
    const view = Object.fromEntries(listed.map((instance) => [instance.platformId, { rawState: instance.rawState, status: normalize(instance).status, detail: instance.detail }]));
    assert.deepEqual(view, {
      [hibernating ?? '']: { rawState: 'stopping:hibernate', status: 'STOPPING', detail: 'Client.UserInitiatedHibernate: User initiated hibernate' },
      [hibernated ?? '']: { rawState: 'stopped:hibernate', status: 'PAUSED', detail: 'Client.UserInitiatedHibernate: User initiated hibernate' },
      [spotStopped ?? '']: { rawState: 'stopped:spot-interruption', status: 'STOPPED', detail: 'Server.SpotInstanceShutdown: Spot instance shutdown' },
      [spotTerminating ?? '']: { rawState: 'shutting-down:spot-interruption', status: 'DELETING', detail: 'Server.SpotInstanceTermination: Spot instance termination' },
      [spotTerminated ?? '']: { rawState: 'terminated:spot-interruption', status: 'DELETED', detail: 'Server.SpotInstanceTermination: Spot instance termination' },
      [userStopped ?? '']: { rawState: 'stopped', status: 'STOPPED', detail: 'Client.UserInitiatedShutdown: User initiated shutdown' },
    });
    const hibernatedMessage = normalize(listed.find((instance) => instance.platformId === hibernated) ?? { platformId: '', instanceId: '', rawState: '' }).message;
    console.log(`hibernated instance event message: ${hibernatedMessage}`);
    assert.match(hibernatedMessage, /hibernated/);
  });

  test('a resumed instance (running, reason cleared) is RUNNING again with no detail', async () => {
    const [seeded] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1, state: 'stopped' });
    lab.simulator.inventory.setState(seeded?.instanceId ?? '', 'stopped', { reason: 'userHibernate' });
    lab.simulator.inventory.setState(seeded?.instanceId ?? '', 'running');
    const [listed] = await listAll(connectEc2(lab.endpointInput()).connection);
    assert.deepEqual([listed?.rawState, listed?.detail], ['running', undefined]);
  });
});
