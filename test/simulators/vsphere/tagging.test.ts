import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator, InventoryError } from './index.js';
import { call, useSimulator } from './support.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator, { prepare: () => simulator.seedDcmVms({ count: 4, tagged: 3 }), login: ['api', 'rest'] });

function tagId(category: string, tag: string): string {
  const found = simulator.inventory.findTag(category, tag);
  assert.ok(found, `tag ${category}/${tag} exists`);
  return found.id;
}

describe('vSphere tagging', () => {
  it('seeds DCM VMs: managed-by=dcm plus a DNS-label instance id on the first `tagged` VMs', () => {
    simulator.reset();
    const seeded = simulator.seedDcmVms({ count: 5, tagged: 3 });
    assert.deepEqual(seeded, [
      { vmId: 'vm-1001', instanceId: 'inst-00001' },
      { vmId: 'vm-1002', instanceId: 'inst-00002' },
      { vmId: 'vm-1003', instanceId: 'inst-00003' },
      { vmId: 'vm-1004' },
      { vmId: 'vm-1005' },
    ]);
    for (const vm of seeded) {
      if (vm.instanceId !== undefined) {
        assert.match(vm.instanceId, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
      }
    }
    assert.deepEqual([...simulator.inventory.vmsWithTag(tagId('managed-by', 'dcm'))], ['vm-1001', 'vm-1002', 'vm-1003']);
    assert.deepEqual([...simulator.inventory.vmsWithTag(tagId('dcm-instance-id', 'inst-00002'))], ['vm-1002']);
    assert.equal(simulator.inventory.tagsOnVm('vm-1004').size, 0);
  });

  it('lists and gets categories and tags in both flavors', async () => {
    const managedBy = simulator.inventory.findCategoryByName('managed-by');
    assert.ok(managedBy);
    const categories = (await call(vcenter.url, '/api/cis/tagging/category', { token: vcenter.apiToken })).json as string[];
    assert.ok(categories.includes(managedBy.id));
    assert.deepEqual((await call(vcenter.url, `/api/cis/tagging/category/${managedBy.id}`, { token: vcenter.apiToken })).json, {
      id: managedBy.id,
      name: 'managed-by',
      description: '',
      cardinality: 'SINGLE',
      associable_types: ['VirtualMachine'],
      used_by: [],
    });
    const dcm = tagId('managed-by', 'dcm');
    assert.deepEqual((await call(vcenter.url, `/rest/com/vmware/cis/tagging/tag/id:${dcm}`, { token: vcenter.restToken })).json, {
      value: { id: dcm, category_id: managedBy.id, name: 'dcm', description: '', used_by: [] },
    });
    const restTags = (await call(vcenter.url, '/rest/com/vmware/cis/tagging/tag', { token: vcenter.restToken })).json as { value: string[] };
    assert.equal(restTags.value.length, 4, 'dcm plus three instance ids');
    const missing = await call(vcenter.url, '/api/cis/tagging/tag/urn:vmomi:InventoryServiceTag:nope:GLOBAL', { token: vcenter.apiToken });
    assert.equal(missing.status, 404);
  });

  it('lists the tags of a category: body on /api, path on /rest', async () => {
    const instanceCategory = simulator.inventory.findCategoryByName('dcm-instance-id');
    assert.ok(instanceCategory);
    const expected = ['inst-00001', 'inst-00002', 'inst-00003'].map((name) => tagId('dcm-instance-id', name));
    const api = await call(vcenter.url, '/api/cis/tagging/tag?action=list-tags-for-category', { token: vcenter.apiToken, json: { category_id: instanceCategory.id } });
    assert.deepEqual(api.json, expected);
    const rest = await call(vcenter.url, `/rest/com/vmware/cis/tagging/tag/id:${instanceCategory.id}?~action=list-tags-for-category`, { method: 'POST', token: vcenter.restToken });
    assert.deepEqual(rest.json, { value: expected });
    const unknown = await call(vcenter.url, '/api/cis/tagging/tag?action=list-tags-for-category', { token: vcenter.apiToken, json: { category_id: 'nope' } });
    assert.equal(unknown.status, 404);
  });

  it('lists attached objects on tags, leaving out unknown tag ids', async () => {
    const dcm = tagId('managed-by', 'dcm');
    const second = tagId('dcm-instance-id', 'inst-00002');
    const body = { tag_ids: [dcm, second, 'urn:vmomi:InventoryServiceTag:unknown:GLOBAL'] };
    const api = await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { token: vcenter.apiToken, json: body });
    assert.equal(api.status, 200);
    assert.deepEqual(api.json, [
      {
        tag_id: dcm,
        object_ids: ['vm-1001', 'vm-1002', 'vm-1003'].map((id) => ({ type: 'VirtualMachine', id })),
      },
      { tag_id: second, object_ids: [{ type: 'VirtualMachine', id: 'vm-1002' }] },
    ]);
    const rest = await call(vcenter.url, '/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags', { token: vcenter.restToken, json: body });
    assert.deepEqual(rest.json, { value: api.json });
  });

  it('lists attached tags on objects and on one object', async () => {
    const objects = { object_ids: [{ type: 'VirtualMachine', id: 'vm-1001' }, { type: 'VirtualMachine', id: 'vm-1004' }, { type: 'VirtualMachine', id: 'vm-404' }] };
    const answer = await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-tags-on-objects', { token: vcenter.apiToken, json: objects });
    assert.deepEqual(answer.json, [
      { object_id: { type: 'VirtualMachine', id: 'vm-1001' }, tag_ids: [tagId('managed-by', 'dcm'), tagId('dcm-instance-id', 'inst-00001')] },
      { object_id: { type: 'VirtualMachine', id: 'vm-1004' }, tag_ids: [] },
    ]);
    const one = await call(vcenter.url, '/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags', { token: vcenter.restToken, json: { object_id: { type: 'VirtualMachine', id: 'vm-1003' } } });
    assert.deepEqual(one.json, { value: [tagId('managed-by', 'dcm'), tagId('dcm-instance-id', 'inst-00003')] });
  });

  it('attaches and detaches through the API, and lists the objects of one tag', async () => {
    const dcm = tagId('managed-by', 'dcm');
    const attached = await call(vcenter.url, `/api/cis/tagging/tag-association/${dcm}?action=attach`, { token: vcenter.apiToken, json: { object_id: { type: 'VirtualMachine', id: 'vm-1004' } } });
    assert.equal(attached.status, 204);
    const objects = await call(vcenter.url, `/rest/com/vmware/cis/tagging/tag-association/id:${dcm}?~action=list-attached-objects`, { method: 'POST', token: vcenter.restToken });
    assert.deepEqual((objects.json as { value: { id: string }[] }).value.map((object) => object.id), ['vm-1001', 'vm-1002', 'vm-1003', 'vm-1004']);
    const detached = await call(vcenter.url, `/rest/com/vmware/cis/tagging/tag-association/id:${dcm}?~action=detach`, { token: vcenter.restToken, json: { object_id: { type: 'VirtualMachine', id: 'vm-1001' } } });
    assert.equal(detached.status, 200);
    assert.deepEqual([...simulator.inventory.vmsWithTag(dcm)], ['vm-1002', 'vm-1003', 'vm-1004']);
  });

  it('enforces SINGLE cardinality like vCenter: a second instance id on one VM is refused', async () => {
    const otherInstance = tagId('dcm-instance-id', 'inst-00002');
    const refused = await call(vcenter.url, `/api/cis/tagging/tag-association/${otherInstance}?action=attach`, { token: vcenter.apiToken, json: { object_id: { type: 'VirtualMachine', id: 'vm-1001' } } });
    assert.equal(refused.status, 400);
    assert.equal((refused.json as { error_type: string }).error_type, 'INVALID_ARGUMENT');
    assert.throws(() => simulator.tagVm('vm-1001', { category: 'dcm-instance-id', tag: 'inst-99999' }), InventoryError);
    simulator.inventory.untagVm('vm-1001', { category: 'dcm-instance-id', tag: 'inst-00001' });
    simulator.tagVm('vm-1001', { category: 'dcm-instance-id', tag: 'inst-99999' });
    assert.deepEqual([...simulator.inventory.vmsWithTag(tagId('dcm-instance-id', 'inst-99999'))], ['vm-1001']);
  });

  it('answers bad bodies with 400 invalid_argument in the flavor\'s shape, never a crash', async () => {
    const notJson = await fetch(`${vcenter.url}/api/cis/tagging/tag-association?action=list-attached-objects-on-tags`, {
      method: 'POST',
      headers: { 'vmware-api-session-id': vcenter.apiToken, 'content-type': 'application/json' },
      body: '{"tag_ids": [',
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error_type: string }).error_type, 'INVALID_ARGUMENT');
    const wrongType = await call(vcenter.url, '/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags', { token: vcenter.restToken, json: { tag_ids: 'x' } });
    assert.equal(wrongType.status, 400);
    assert.equal((wrongType.json as { type: string }).type, 'com.vmware.vapi.std.errors.invalid_argument');
    const noBody = await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-tags-on-objects', { method: 'POST', token: vcenter.apiToken });
    assert.equal(noBody.status, 400);
  });

  it('tagVm creates the category and tag on first use', () => {
    simulator.inventory.addVm({ id: 'vm-7', name: 'seven' });
    const tag = simulator.tagVm('vm-7', { category: 'team', tag: 'blue' });
    assert.equal(simulator.inventory.getCategory(tag.categoryId)?.name, 'team');
    assert.deepEqual([...simulator.inventory.tagsOnVm('vm-7')], [tag.id]);
    assert.equal(simulator.tagVm('vm-7', { category: 'team', tag: 'blue' }).id, tag.id, 'tagging twice is a no-op');
  });
});
