import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator } from './index.js';

interface Summary {
  instanceId: string;
  state: string;
  stateCode: number;
  stateReason: { code: string; message: string } | null;
  tags: Record<string, string>;
}

describe('EC2 simulator control API', () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;
  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${running.url}/_sim${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };

  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());

  it('adds an instance, changes its state, reason and tags, steps its lifecycle and removes it', async () => {
    const created = await control('POST', '/instances', { state: 'pending', tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-00042' } });
    assert.equal(created.status, 201);
    const { instanceId } = created.json as Summary;
    assert.match(instanceId, /^i-0[0-9a-f]{16}$/);
    const stepped = await control('POST', `/instances/${instanceId}/lifecycle`);
    assert.equal((stepped.json as Summary).state, 'running');
    const stopped = await control('POST', `/instances/${instanceId}/state`, { state: 'stopped', reason: 'userHibernate' });
    assert.deepEqual([(stopped.json as Summary).stateCode, (stopped.json as Summary).stateReason?.code], [80, 'Client.UserInitiatedHibernate']);
    const tagged = await control('POST', `/instances/${instanceId}/tags`, { tags: { env: 'prod' } });
    assert.deepEqual((tagged.json as Summary).tags, { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-00042', env: 'prod' });
    const untagged = await control('POST', `/instances/${instanceId}/tags/delete`, { keys: ['env'] });
    assert.deepEqual(Object.keys((untagged.json as Summary).tags), ['managed-by', 'dcm-instance-id']);
    assert.equal((await control('GET', `/instances/${instanceId}`)).status, 200);
    assert.equal((await control('DELETE', `/instances/${instanceId}`)).status, 204);
    assert.equal((await control('GET', `/instances/${instanceId}`)).status, 404);
  });

  it('seeds DCM instances with i-0… ids and DNS-label DCM ids', async () => {
    const seeded = await control('POST', '/seed-dcm', { count: 5, tagged: 3 });
    assert.equal(seeded.status, 201);
    const instances = (seeded.json as { instances: { instanceId: string; dcmInstanceId?: string }[] }).instances;
    assert.equal(instances.length, 5);
    assert.deepEqual(
      instances.map((instance) => instance.dcmInstanceId),
      ['inst-00001', 'inst-00002', 'inst-00003', undefined, undefined],
    );
    for (const instance of instances) {
      assert.match(instance.instanceId, /^i-0[0-9a-f]{16}$/);
      assert.match(instance.dcmInstanceId ?? 'a', /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    const listed = await control('GET', '/instances');
    assert.equal((listed.json as { instances: unknown[] }).instances.length, 5);
  });

  it('says what is wrong with a bad request', async () => {
    assert.deepEqual(await control('POST', '/instances', { state: 'sleeping' }), { status: 400, json: { error: 'state must be one of pending, running, shutting-down, terminated, stopping, stopped' } });
    assert.deepEqual(await control('POST', '/instances/i-0000000000000dead/state', { state: 'running' }), { status: 404, json: { error: 'instance i-0000000000000dead does not exist' } });
    assert.equal((await control('POST', '/instances', { instanceId: 'vm-1' })).status, 400);
    assert.equal((await control('POST', '/instances/x/state', { reason: 'userHibernate' })).status, 400);
    assert.equal((await control('POST', '/instances', { reason: 'bogus' })).status, 400);
    assert.equal((await control('POST', '/seed-dcm', {})).status, 400);
    assert.equal((await control('POST', '/auth-failure', { enabled: 'yes' })).status, 400);
  });

  it('shows platform figures in /_sim/stats and clears everything on /_sim/reset', async () => {
    const stats = (await control('GET', '/stats')).json as { platform: { instances: number; byState: Record<string, number>; actions: Record<string, number> } };
    assert.equal(stats.platform.instances, 5);
    assert.equal(stats.platform.byState.running, 5);
    assert.equal((await control('POST', '/reset')).status, 204);
    assert.equal(simulator.inventory.counts().instances, 0);
    const reseeded = await control('POST', '/seed-dcm', { count: 1 });
    assert.equal((reseeded.json as { instances: { dcmInstanceId: string }[] }).instances[0]?.dcmInstanceId, 'inst-00001');
  });
});
