import { DescribeInstancesCommand, type Filter } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, type InstanceRecord } from './index.js';
import { sdkClient } from './support.js';

describe('DescribeInstances filters', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;
  let web: InstanceRecord;
  let db: InstanceRecord;
  let batch: InstanceRecord;
  let bare: InstanceRecord;
  let star: InstanceRecord;

  const ids = async (filters: Filter[]): Promise<string[]> => {
    const answer = await sdkClient(running.url).send(new DescribeInstancesCommand({ Filters: filters }));
    return (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.InstanceId ?? '');
  };

  before(async () => {
    web = simulator.inventory.addInstance({ tags: { role: 'web', env: 'prod' } });
    db = simulator.inventory.addInstance({ tags: { role: 'db', env: 'prod' }, state: 'stopped' });
    batch = simulator.inventory.addInstance({ tags: { role: 'batch', env: 'dev' }, state: 'pending' });
    bare = simulator.inventory.addInstance({ state: 'stopping' });
    star = simulator.inventory.addInstance({ tags: { role: 'w*b' } });
    running = await simulator.start();
  });
  after(() => running.close());

  it('tag:<key> ORs its values', async () => {
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['web', 'db'] }]), [web.instanceId, db.instanceId]);
  });

  it('ANDs filters', async () => {
    assert.deepEqual(await ids([{ Name: 'tag:env', Values: ['prod'] }, { Name: 'instance-state-name', Values: ['running'] }]), [web.instanceId]);
  });

  it('tag-key matches any value; tag-value any key', async () => {
    assert.deepEqual(await ids([{ Name: 'tag-key', Values: ['env'] }]), [web.instanceId, db.instanceId, batch.instanceId]);
    assert.deepEqual(await ids([{ Name: 'tag-value', Values: ['dev'] }]), [batch.instanceId]);
  });

  it('instance-state-name and instance-state-code', async () => {
    assert.deepEqual(await ids([{ Name: 'instance-state-name', Values: ['stopped', 'stopping'] }]), [db.instanceId, bare.instanceId]);
    assert.deepEqual(await ids([{ Name: 'instance-state-code', Values: ['0'] }]), [batch.instanceId]);
  });

  it('instance-id and reservation-id', async () => {
    assert.deepEqual(await ids([{ Name: 'instance-id', Values: [db.instanceId, bare.instanceId] }]), [db.instanceId, bare.instanceId]);
    assert.deepEqual(await ids([{ Name: 'reservation-id', Values: [batch.reservationId] }]), [batch.instanceId]);
  });

  it('supports * (zero or more) and ? (zero or one) wildcards, and \\ to escape them', async () => {
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['w*'] }]), [web.instanceId, star.instanceId]);
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['d?b'] }]), [db.instanceId]);
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['w\\*b'] }]), [star.instanceId]);
    assert.deepEqual(await ids([{ Name: 'tag-key', Values: ['e*'] }]), [web.instanceId, db.instanceId, batch.instanceId]);
    assert.deepEqual(await ids([{ Name: 'instance-state-name', Values: ['stop*'] }]), [db.instanceId, bare.instanceId]);
  });

  it('matches nothing for an unknown tag value', async () => {
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['nope'] }]), []);
  });

  it('follows tag changes (indexes stay in step)', async () => {
    simulator.inventory.setTags(bare.instanceId, { role: 'web' });
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['web'] }]), [web.instanceId, bare.instanceId]);
    simulator.inventory.removeTags(bare.instanceId, ['role']);
    assert.deepEqual(await ids([{ Name: 'tag:role', Values: ['web'] }]), [web.instanceId]);
  });

  it('refuses filters it does not know with InvalidParameterValue', async () => {
    await assert.rejects(sdkClient(running.url).send(new DescribeInstancesCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }] })), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'InvalidParameterValue');
      assert.match(error.message, /The filter 'vpc-id' is invalid/);
      assert.equal(error.$metadata?.httpStatusCode, 400);
      return true;
    });
  });
});
