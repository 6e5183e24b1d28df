import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectEc2, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll, listPages } from '../../../support/vsphere-lab.js';

describe('EC2 selection: server-side tag filters, 1,000 per page, NextToken to the end', () => {
  let lab: Ec2Lab;
  before(async () => {
    lab = await startEc2Lab();
  });
  after(() => lab.close());
  beforeEach(() => lab.simulator.reset());

  test('2,500 tagged + 500 untagged instances: exactly 3 DescribeInstances calls, only tagged ones yielded', async () => {
    const seeded = lab.simulator.seedDcmInstances({ count: 3000, tagged: 2500 });
    const { connection, requests } = connectEc2(lab.endpointInput());
    const started = Date.now();
    const pages = await listPages(connection);
    const instances = pages.flat();
    const calls = lab.simulator.usage().actions['DescribeInstances'];
    console.log(`2,500 tagged of 3,000: ${calls} DescribeInstances calls, pages of ${pages.map((page) => page.length).join('/')} instances, ${Date.now() - started} ms`);
    assert.equal(calls, 3);
    assert.equal(requests.length, 3);
    assert.deepEqual(pages.map((page) => page.length), [1000, 1000, 500]);
    const tagged = new Set(seeded.filter((instance) => instance.dcmInstanceId).map((instance) => instance.instanceId));
    assert.equal(instances.length, 2500);
    assert.ok(instances.every((instance) => tagged.has(instance.platformId)), 'untagged instances are never yielded');
    assert.equal(new Set(instances.map((instance) => instance.platformId)).size, 2500);
    const first = seeded[0];
    assert.deepEqual(
      instances.find((instance) => instance.platformId === first?.instanceId),
      { platformId: first?.instanceId, instanceId: 'inst-00001', rawState: 'running', name: 'vm-00001' },
    );
    await connection.close();
  });

  test('the filters: managed-by must equal the value, the instance-id tag must exist; other selectors work too', async () => {
    const inventory = lab.simulator.inventory;
    const managed = inventory.addInstance({ tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-1' } });
    inventory.addInstance({ tags: { 'managed-by': 'someone-else', 'dcm-instance-id': 'inst-2' } });
    inventory.addInstance({ tags: { 'managed-by': 'dcm' } });
    inventory.addInstance({ tags: { 'dcm-instance-id': 'inst-4' } });
    const custom = inventory.addInstance({ state: 'stopped', tags: { owner: 'dcm-prod', 'dcm/id': 'inst-5', Name: 'db-1' } });

    const byDefault = await listAll(connectEc2(lab.endpointInput()).connection);
    assert.deepEqual(byDefault.map((instance) => instance.platformId), [managed.instanceId]);
    assert.equal(byDefault[0]?.name, undefined, 'no Name tag, no name');

    const selector = { managedByKey: 'owner', managedByValue: 'dcm-prod', instanceIdKey: 'dcm/id' };
    const bySelector = await listAll(connectEc2(lab.endpointInput({ extra: { selector } })).connection);
    assert.deepEqual(bySelector, [{ platformId: custom.instanceId, instanceId: 'inst-5', rawState: 'stopped', name: 'db-1', detail: 'Client.UserInitiatedShutdown: User initiated shutdown' }]);
  });

  test('an empty account lists nothing in one call', async () => {
    const { connection } = connectEc2(lab.endpointInput());
    assert.deepEqual(await listPages(connection), []);
    assert.equal(lab.simulator.usage().actions['DescribeInstances'], 1);
  });
});
