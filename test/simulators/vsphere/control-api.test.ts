import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { call, loginApi, useSimulator } from './support.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator);

describe('vSphere control API under /_sim/', () => {
  it('adds, describes, re-tags and removes a VM', async () => {
    const created = await call(vcenter.url, '/_sim/vms', { json: { id: 'vm-77', name: 'web-1', powerState: 'SUSPENDED', tags: [{ category: 'managed-by', tag: 'dcm' }] } });
    assert.equal(created.status, 201);
    assert.deepEqual((created.json as { tags: unknown[] }).tags.length, 1);
    await call(vcenter.url, '/_sim/vms/vm-77/tags', { json: { category: 'dcm-instance-id', tag: 'inst-00077' } });
    const described = (await call(vcenter.url, '/_sim/vms/vm-77')).json as { powerState: string; tags: { category: string; tag: string }[] };
    assert.equal(described.powerState, 'SUSPENDED');
    assert.deepEqual(described.tags.map(({ category, tag }) => `${category}=${tag}`), ['managed-by=dcm', 'dcm-instance-id=inst-00077']);
    await call(vcenter.url, '/_sim/vms/vm-77/tags/detach', { json: { category: 'managed-by', tag: 'dcm' } });
    assert.equal(simulator.inventory.tagsOnVm('vm-77').size, 1);
    assert.equal((await call(vcenter.url, '/_sim/vms/vm-77', { method: 'DELETE' })).status, 204);
    assert.equal((await call(vcenter.url, '/_sim/vms/vm-77', { method: 'DELETE' })).status, 404);
    assert.equal(simulator.inventory.getVm('vm-77'), undefined);
  });

  it('creates categories and tags, bulk VMs and seeded DCM VMs', async () => {
    assert.equal((await call(vcenter.url, '/_sim/categories', { json: { name: 'env', cardinality: 'MULTIPLE' } })).status, 201);
    assert.equal((await call(vcenter.url, '/_sim/tags', { json: { category: 'env', name: 'prod' } })).status, 201);
    const bulk = await call(vcenter.url, '/_sim/vms/bulk', { json: { count: 3, namePrefix: 'batch', powerState: 'POWERED_OFF', tags: [{ category: 'env', tag: 'prod' }] } });
    assert.deepEqual(bulk.json, { vmIds: ['vm-1001', 'vm-1002', 'vm-1003'] });
    const seeded = await call(vcenter.url, '/_sim/seed-dcm', { json: { count: 2, tagged: 1 } });
    assert.deepEqual(seeded.json, { vms: [{ vmId: 'vm-1004', instanceId: 'inst-00001' }, { vmId: 'vm-1005' }] });
    assert.equal(simulator.inventory.vmCount(), 5);
    assert.equal(simulator.inventory.vmsWithTag(simulator.inventory.findTag('env', 'prod')?.id ?? '').size, 3);
  });

  it('answers bad control input with 400/404 and a message, leaving the simulator running', async () => {
    assert.deepEqual((await call(vcenter.url, '/_sim/vms', { json: { name: 'x', powerState: 'ON' } })).json, { error: 'powerState must be POWERED_ON, POWERED_OFF or SUSPENDED' });
    assert.equal((await call(vcenter.url, '/_sim/vms/vm-404/power', { json: { state: 'POWERED_ON' } })).status, 404);
    assert.equal((await call(vcenter.url, '/_sim/tags', { json: { category: 'missing', name: 'x' } })).status, 404);
    assert.equal((await call(vcenter.url, '/_sim/seed-dcm', { json: { count: -1, tagged: 0 } })).status, 400);
    assert.equal((await call(vcenter.url, '/_sim/nothing')).status, 404);
  });

  it('fault switches apply to vCenter routes with vCenter error bodies, and reset clears everything', async () => {
    simulator.inventory.addVm({ id: 'vm-1', name: 'one' });
    const token = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    await call(vcenter.url, '/_sim/faults', { json: { faults: [{ kind: 'http5xx', status: 503, scope: { route: 'GET /api/vcenter/vm' }, trigger: { type: 'next', count: 1 } }] } });
    const failed = await call(vcenter.url, '/api/vcenter/vm', { token });
    assert.equal(failed.status, 503);
    assert.equal((failed.json as { error_type: string }).error_type, 'SERVICE_UNAVAILABLE');
    simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 2, scope: { pathPrefix: '/rest/' } }]);
    const throttled = await call(vcenter.url, '/rest/vcenter/vm');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '2');
    assert.equal((throttled.json as { type: string }).type, 'com.vmware.vapi.std.errors.service_unavailable');
    simulator.faults.set([{ kind: 'http5xx' }]);
    assert.equal(((await call(vcenter.url, '/api/vcenter/vm', { token })).json as { error_type: string }).error_type, 'INTERNAL_SERVER_ERROR');
    assert.equal((await call(vcenter.url, '/_sim/reset', { method: 'POST' })).status, 204);
    assert.equal(simulator.inventory.vmCount(), 0);
    assert.equal(simulator.sessionCounters().active, 0);
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token })).status, 401, 'sessions are gone after a reset');
  });
});
