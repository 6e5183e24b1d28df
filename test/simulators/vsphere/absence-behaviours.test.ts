// The behaviours that make a complete vCenter list not authoritative: permission-scoped
// visibility, unregistered VMs, `object_ids: null`, and answers that are not the documented ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator } from './index.js';
import { call, useSimulator } from './support.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator, { prepare: () => simulator.seedDcmVms({ count: 4, tagged: 4 }), login: ['api', 'rest'] });

const dcmTagIds = (): string[] => [simulator.inventory.findTag('managed-by', 'dcm')?.id ?? '', ...simulator.inventory.listTagsForCategory(simulator.inventory.findCategoryByName('dcm-instance-id')?.id ?? '').map((tag) => tag.id)];
const vmObject = (id: string): { type: string; id: string } => ({ type: 'VirtualMachine', id });

describe('vCenter behaviours that make absence from a list not a deletion', () => {
  it('a VM the account may not read: left out of lists and tag associations, 403 unauthorized on its own URL (both flavors)', async () => {
    simulator.account.setVisible(['vm-1002'], false);
    const listed = (await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken })).json as { vm: string }[];
    assert.deepEqual(listed.map((vm) => vm.vm), ['vm-1001', 'vm-1003', 'vm-1004']);
    const filtered = (await call(vcenter.url, '/rest/vcenter/vm?filter.vms=vm-1001&filter.vms=vm-1002', { token: vcenter.restToken })).json as { value: { vm: string }[] };
    assert.deepEqual(filtered.value.map((vm) => vm.vm), ['vm-1001']);

    const api = await call(vcenter.url, '/api/vcenter/vm/vm-1002', { token: vcenter.apiToken });
    assert.equal(api.status, 403);
    assert.deepEqual(api.json, { error_type: 'UNAUTHORIZED', messages: [{ id: 'vapi.security.authorization.invalid', default_message: 'Unable to authorize user', args: [] }] });
    const rest = await call(vcenter.url, '/rest/vcenter/vm/vm-1002', { token: vcenter.restToken });
    assert.equal(rest.status, 403);
    assert.equal((rest.json as { type: string }).type, 'com.vmware.vapi.std.errors.unauthorized');
    assert.equal((await call(vcenter.url, '/api/vcenter/vm/vm-1002/power', { token: vcenter.apiToken })).status, 403);

    const onTags = (await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { token: vcenter.apiToken, json: { tag_ids: dcmTagIds() } })).json as { tag_id: string; object_ids: { id: string }[] }[];
    assert.ok(onTags.every((entry) => entry.object_ids.every((object) => object.id !== 'vm-1002')), 'the hidden VM is on no tag');
    assert.deepEqual(onTags[0]?.object_ids.map((object) => object.id), ['vm-1001', 'vm-1003', 'vm-1004']);
    const onObjects = (await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-tags-on-objects', { token: vcenter.apiToken, json: { object_ids: [vmObject('vm-1001'), vmObject('vm-1002')] } })).json as { object_id: { id: string } }[];
    assert.deepEqual(onObjects.map((entry) => entry.object_id.id), ['vm-1001']);
    assert.equal((await call(vcenter.url, '/api/cis/tagging/tag-association?action=list-attached-tags', { token: vcenter.apiToken, json: { object_id: vmObject('vm-1002') } })).status, 403);

    // The same VM, seen again after the permission is restored (control API this time).
    const shown = await call(vcenter.url, '/_sim/visibility', { json: { vms: ['vm-1002'], visible: true } });
    assert.deepEqual(shown.json, { changed: 1, hidden: [] });
    assert.equal((await call(vcenter.url, '/api/vcenter/vm/vm-1002', { token: vcenter.apiToken })).status, 200);
  });

  it('the visibility switch over /_sim/: hide many at once, read back, refuse bad input', async () => {
    const hidden = await call(vcenter.url, '/_sim/visibility', { json: { vms: ['vm-1001', 'vm-1003', 'vm-1003'], visible: false } });
    assert.deepEqual(hidden.json, { changed: 2, hidden: ['vm-1001', 'vm-1003'] });
    assert.deepEqual((await call(vcenter.url, '/_sim/visibility')).json, { hidden: ['vm-1001', 'vm-1003'] });
    assert.equal(((await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken })).json as unknown[]).length, 2);
    assert.deepEqual((await call(vcenter.url, '/_sim/visibility', { json: { vms: 'vm-1', visible: false } })).json, { error: 'vms must be an array of strings' });
    simulator.reset();
    assert.deepEqual(simulator.account.hiddenVms(), [], 'reset shows everything again');
  });

  it('a deleted VM and an unregistered one both answer 404 not_found; the unregistered one keeps its files and comes back under a new id, untagged', async () => {
    simulator.inventory.removeVm('vm-1003');
    const deleted = await call(vcenter.url, '/api/vcenter/vm/vm-1003', { token: vcenter.apiToken });
    assert.equal(deleted.status, 404);
    assert.equal((deleted.json as { error_type: string }).error_type, 'NOT_FOUND');

    const unregistered = await call(vcenter.url, '/_sim/vms/vm-1004/unregister', { method: 'POST' });
    assert.deepEqual(unregistered.json, { formerId: 'vm-1004', name: 'dcm-vm-1004', vmxPath: '[datastore1] dcm-vm-1004/dcm-vm-1004.vmx' });
    const gone = await call(vcenter.url, '/rest/vcenter/vm/vm-1004', { token: vcenter.restToken });
    assert.equal(gone.status, 404);
    assert.equal((gone.json as { type: string }).type, 'com.vmware.vapi.std.errors.not_found');
    assert.deepEqual(((await call(vcenter.url, '/_sim/unregistered')).json as { vms: { formerId: string }[] }).vms.map((vm) => vm.formerId), ['vm-1004']);

    const registered = await call(vcenter.url, '/_sim/unregistered/vm-1004/register', { method: 'POST' });
    assert.equal(registered.status, 201);
    const again = registered.json as { id: string; powerState: string; tags: unknown[] };
    assert.notEqual(again.id, 'vm-1004');
    assert.equal(again.powerState, 'POWERED_OFF');
    assert.deepEqual(again.tags, []);
    assert.equal((await call(vcenter.url, '/_sim/unregistered/vm-1004/register', { method: 'POST' })).status, 404);
  });

  it('object_ids: null for a tag attached to nothing, when the quirk is on (option, in process or over /_sim/)', async () => {
    simulator.inventory.createTag(simulator.inventory.findCategoryByName('dcm-instance-id')?.id ?? '', 'inst-09999');
    const ask = async (): Promise<{ tag_id: string; object_ids: unknown }[]> =>
      ((await call(vcenter.url, '/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags', { token: vcenter.restToken, json: { tag_ids: dcmTagIds() } })).json as { value: { tag_id: string; object_ids: unknown }[] }).value;
    const unattached = simulator.inventory.findTag('dcm-instance-id', 'inst-09999')?.id;
    assert.deepEqual((await ask()).find((entry) => entry.tag_id === unattached)?.object_ids, []);

    assert.deepEqual((await call(vcenter.url, '/_sim/quirks', { json: { nullObjectIdsForUnattachedTags: true } })).json, { nullObjectIdsForUnattachedTags: true });
    const answer = await ask();
    assert.equal(answer.find((entry) => entry.tag_id === unattached)?.object_ids, null);
    assert.ok(answer.filter((entry) => entry.tag_id !== unattached).every((entry) => Array.isArray(entry.object_ids) && entry.object_ids.length > 0), 'attached tags keep their lists');
    assert.deepEqual((await call(vcenter.url, '/_sim/quirks', { json: { nullObjectIds: true } })).json, { error: 'unknown quirk nullObjectIds; known: nullObjectIdsForUnattachedTags' });

    simulator.reset();
    assert.equal(simulator.quirks.nullObjectIdsForUnattachedTags, false, 'reset restores the option');
    const fromOption = createVsphereSimulator({ nullObjectIdsForUnattachedTags: true });
    assert.equal(fromOption.quirks.nullObjectIdsForUnattachedTags, true);
  });

  it('malformed answers: one-shot, after `skip` good calls, counted as real calls; HTML, empty, text/plain, a field dropped', async () => {
    const route = 'GET /api/vcenter/vm';
    simulator.malformAnswer({ route, kind: 'html', skip: 1 });
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken })).headers.get('content-type'), 'application/json');
    const html = await fetch(`${vcenter.url}/api/vcenter/vm`, { headers: { 'vmware-api-session-id': vcenter.apiToken } });
    assert.deepEqual([html.status, html.headers.get('content-type')], [200, 'text/html; charset=utf-8']);
    assert.match(await html.text(), /^<!DOCTYPE html>/);
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken })).status, 200, 'one-shot');
    assert.equal(simulator.stats().byRoute[route], 3);

    simulator.malformAnswer({ route, kind: 'empty' });
    const empty = await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken });
    assert.deepEqual([empty.status, empty.text], [200, '']);

    assert.equal((await call(vcenter.url, '/_sim/malformed-answers', { json: { route, kind: 'textPlain' } })).status, 201);
    const plain = await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken });
    assert.equal(plain.headers.get('content-type'), 'text/plain');
    assert.equal((plain.json as unknown[]).length, 4);

    await call(vcenter.url, '/_sim/malformed-answers', { json: { route: 'GET /rest/vcenter/vm', kind: 'dropField', field: 'power_state' } });
    const dropped = (await call(vcenter.url, '/rest/vcenter/vm', { token: vcenter.restToken })).json as { value: Record<string, unknown>[] };
    assert.equal('power_state' in (dropped.value[0] ?? {}), false);
    assert.equal(dropped.value[1]?.power_state, 'POWERED_ON');

    assert.deepEqual((await call(vcenter.url, '/_sim/malformed-answers', { json: { route, kind: 'dropField' } })).json, { error: 'field is required for dropField' });
    assert.deepEqual((await call(vcenter.url, '/_sim/malformed-answers', { json: { route, kind: 'xml' } })).json, { error: 'kind must be one of html, empty, textPlain, dropField' });
    await call(vcenter.url, '/_sim/malformed-answers', { json: { route, kind: 'html' } });
    assert.equal(((await call(vcenter.url, '/_sim/malformed-answers')).json as { armed: unknown[] }).armed.length, 1);
    assert.equal((await call(vcenter.url, '/_sim/malformed-answers', { method: 'DELETE' })).status, 204);
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token: vcenter.apiToken })).status, 200);
  });
});
