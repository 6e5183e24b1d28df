import { DescribeInstancesCommand, paginateDescribeInstances, type Instance } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, type SeededInstance } from './index.js';
import { sdkClient } from './support.js';

const DCM_FILTERS = [
  { Name: 'tag:managed-by', Values: ['dcm'] },
  { Name: 'tag-key', Values: ['dcm-instance-id'] },
];

describe('the AWS SDK pages through DCM-managed instances', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;
  let seeded: SeededInstance[];

  before(async () => {
    seeded = simulator.seedDcmInstances({ count: 3200, tagged: 2500 });
    // Look-alikes that must not match: managed by someone else, or DCM-tagged without an instance id.
    simulator.inventory.addInstance({ tags: { 'managed-by': 'other', 'dcm-instance-id': 'inst-99999' } });
    simulator.inventory.addInstance({ tags: { 'managed-by': 'dcm' } });
    running = await simulator.start();
  });
  after(() => running.close());

  it('finds all 2,500 tagged instances in 3 DescribeInstances calls of MaxResults 1000, and no untagged one', async () => {
    simulator.resetStats();
    const client = sdkClient(running.url);
    const found: Instance[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstances({ client }, { MaxResults: 1000, Filters: DCM_FILTERS })) {
      pages += 1;
      found.push(...(page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []));
    }
    assert.equal(pages, 3);
    assert.equal(simulator.usage().actions.DescribeInstances, 3);
    assert.equal(simulator.stats().byRoute['POST /'], 3);
    const expected = seeded.filter((instance) => instance.dcmInstanceId !== undefined).map((instance) => instance.instanceId);
    assert.equal(found.length, 2500);
    assert.deepEqual(new Set(found.map((instance) => instance.InstanceId)), new Set(expected));
    assert.deepEqual(simulator.usage().accessKeys, { [simulator.credentials.accessKeyId]: 3 });
  });

  it('parses into the SDK fields a poller reads: InstanceId, State.Name/Code, Tags, StateReason', async () => {
    const [first] = seeded;
    assert.ok(first?.dcmInstanceId !== undefined);
    simulator.inventory.setState(first.instanceId, 'stopped', { reason: 'userHibernate' });
    const answer = await sdkClient(running.url).send(new DescribeInstancesCommand({ InstanceIds: [first.instanceId] }));
    const reservation = answer.Reservations?.[0];
    const instance = reservation?.Instances?.[0];
    assert.match(reservation?.ReservationId ?? '', /^r-0[0-9a-f]{16}$/);
    assert.equal(reservation?.OwnerId, '123456789012');
    assert.match(instance?.InstanceId ?? '', /^i-0[0-9a-f]{16}$/);
    assert.equal(instance?.InstanceId, first.instanceId);
    assert.deepEqual(instance?.State, { Code: 80, Name: 'stopped' });
    assert.deepEqual(instance?.StateReason, { Code: 'Client.UserInitiatedHibernate', Message: 'Client.UserInitiatedHibernate: User initiated hibernate' });
    assert.match(instance?.StateTransitionReason ?? '', /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    assert.ok(instance?.LaunchTime instanceof Date);
    assert.deepEqual(instance?.Tags, [
      { Key: 'Name', Value: 'vm-00001' },
      { Key: 'managed-by', Value: 'dcm' },
      { Key: 'dcm-instance-id', Value: first.dcmInstanceId },
    ]);
    assert.equal(answer.NextToken, undefined);
  });

  it('returns everything in one answer without MaxResults, and leaves Tags out of untagged instances', async () => {
    const bare = simulator.inventory.addInstance();
    const answer = await sdkClient(running.url).send(new DescribeInstancesCommand({}));
    const instances = (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    assert.equal(instances.length, simulator.inventory.counts().instances);
    assert.equal(answer.NextToken, undefined);
    assert.equal(instances.find((instance) => instance.InstanceId === bare.instanceId)?.Tags, undefined);
  });
});
