import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator } from './index.js';
import { useSimulator } from './support.js';
import { createVmView, customValues, directRetrieval, envelope, faultOf, readResult, soapCall, valText, viewRetrieval } from './vim/soap-client.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator, { login: ['soap'] });

const retrieveEx = (argumentsXml: string): string => envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', argumentsXml);
const fieldsRequest = retrieveEx(
  '<specSet><propSet><type>CustomFieldsManager</type><pathSet>field</pathSet></propSet><objectSet><obj type="CustomFieldsManager">CustomFieldsManager</obj></objectSet></specSet><options></options>',
);

async function control(path: string, body: unknown): Promise<Response> {
  return fetch(`${vcenter.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('vim25 custom attributes and VM properties', () => {
  it('lists CustomFieldsManager.field: key, name, type and managedObjectType (unset for a global field)', async () => {
    const managedBy = simulator.inventory.defineCustomField('managed-by');
    const instanceId = simulator.inventory.defineCustomField('dcm-instance-id', 'VirtualMachine');
    assert.equal(simulator.inventory.defineCustomField('managed-by', 'VirtualMachine'), managedBy, 'idempotent by name');
    const answer = await soapCall(vcenter.url, fieldsRequest, vcenter.cookie);
    const [content] = readResult(answer, 'RetrievePropertiesEx').objects;
    assert.equal(content?.id, 'CustomFieldsManager');
    const defs = (content?.props.field as { CustomFieldDef: Record<string, string>[] }).CustomFieldDef;
    assert.deepEqual(defs, [
      { key: String(managedBy), name: 'managed-by', type: 'string' },
      { key: String(instanceId), name: 'dcm-instance-id', type: 'string', managedObjectType: 'VirtualMachine' },
    ]);
    assert.match(answer.text, /<val xsi:type="ArrayOfCustomFieldDef"><CustomFieldDef><key>\d+<\/key><name>managed-by<\/name><type>string<\/type><\/CustomFieldDef>/);
  });

  it('shows customValue as CustomFieldStringValue entries by key; "" removes a value', async () => {
    const [vm] = simulator.seedDcmVms({ count: 1, tagged: 1, via: 'customAttribute' });
    assert.ok(vm);
    const managedBy = simulator.inventory.findCustomField('managed-by')?.key;
    const instanceId = simulator.inventory.findCustomField('dcm-instance-id')?.key;
    assert.equal(simulator.inventory.tagsOnVm(vm.vmId).size, 0, 'customAttribute seeding attaches no tag');
    const read = async (): Promise<Record<string, string>> => {
      const answer = await soapCall(vcenter.url, retrieveEx(directRetrieval('VirtualMachine', [vm.vmId], ['customValue'])), vcenter.cookie);
      assert.match(answer.text, /<val xsi:type="ArrayOfCustomFieldValue">(<CustomFieldValue xsi:type="CustomFieldStringValue"><key>\d+<\/key><value>[^<]*<\/value><\/CustomFieldValue>)*<\/val>/);
      return customValues(readResult(answer, 'RetrievePropertiesEx').objects[0]?.props.customValue);
    };
    assert.deepEqual(await read(), { [String(managedBy)]: 'dcm', [String(instanceId)]: vm.instanceId });
    simulator.inventory.setCustomValue(vm.vmId, 'managed-by', '');
    assert.deepEqual(await read(), { [String(instanceId)]: vm.instanceId });
    const overHttp = await control(`/_sim/vms/${vm.vmId}/fields`, { name: 'managed-by', value: 'dcm & co <x>' });
    assert.equal(overHttp.status, 200);
    assert.deepEqual(((await overHttp.json()) as { customValues: unknown }).customValues, { 'managed-by': 'dcm & co <x>', 'dcm-instance-id': vm.instanceId });
    assert.equal((await read())[String(managedBy)], 'dcm & co <x>', 'values are XML-escaped and read back unchanged');
  });

  it('maps power and connection states to vim25 enums: runtime.powerState and runtime.connectionState', async () => {
    const ids = simulator.inventory.bulkCreateVms({ count: 3 });
    simulator.inventory.setPowerState(ids[1]!, 'POWERED_OFF');
    simulator.inventory.setPowerState(ids[2]!, 'SUSPENDED');
    simulator.inventory.setConnectionState(ids[1]!, 'orphaned');
    assert.equal((await control(`/_sim/vms/${ids[2]}/connection`, { state: 'inaccessible' })).status, 200);
    assert.equal((await control(`/_sim/vms/${ids[2]}/connection`, { state: 'gone' })).status, 400);
    const viewId = await createVmView(vcenter.url, vcenter.cookie);
    const answer = await soapCall(vcenter.url, retrieveEx(viewRetrieval(viewId, ['runtime.powerState', 'runtime.connectionState'])), vcenter.cookie);
    const objects = readResult(answer, 'RetrievePropertiesEx').objects;
    assert.deepEqual(
      objects.map((object) => [valText(object.props['runtime.powerState']), valText(object.props['runtime.connectionState'])]),
      [['poweredOn', 'connected'], ['poweredOff', 'orphaned'], ['suspended', 'inaccessible']],
    );
    assert.match(answer.text, /<val xsi:type="VirtualMachinePowerState">poweredOn<\/val>/);
    assert.match(answer.text, /<val xsi:type="VirtualMachineConnectionState">orphaned<\/val>/);
  });

  it('answers InvalidProperty for a path VirtualMachine does not have, and for a VM path asked through ManagedEntity', async () => {
    simulator.inventory.bulkCreateVms({ count: 1 });
    const viewId = await createVmView(vcenter.url, vcenter.cookie);
    const unknown = faultOf(await soapCall(vcenter.url, retrieveEx(viewRetrieval(viewId, ['name', 'runtime.powerStat'])), vcenter.cookie));
    assert.deepEqual([unknown?.type, unknown?.detail.name], ['InvalidProperty', 'runtime.powerStat']);
    const throughSupertype = retrieveEx(viewRetrieval(viewId, ['runtime.powerState']).replace('<type>VirtualMachine</type>', '<type>ManagedEntity</type>'));
    assert.equal(faultOf(await soapCall(vcenter.url, throughSupertype, vcenter.cookie))?.type, 'InvalidProperty');
    const nameThroughSupertype = retrieveEx(viewRetrieval(viewId, ['name']).replace('<type>VirtualMachine</type>', '<type>ManagedEntity</type>'));
    assert.equal(readResult(await soapCall(vcenter.url, nameThroughSupertype, vcenter.cookie), 'RetrievePropertiesEx').objects.length, 1);
  });

  it('answers all=true with the modelled top-level properties', async () => {
    simulator.inventory.bulkCreateVms({ count: 1 });
    const viewId = await createVmView(vcenter.url, vcenter.cookie);
    const request = retrieveEx(viewRetrieval(viewId, []).replace('<type>VirtualMachine</type>', '<type>VirtualMachine</type><all>true</all>'));
    const [content] = readResult(await soapCall(vcenter.url, request, vcenter.cookie), 'RetrievePropertiesEx').objects;
    assert.deepEqual(Object.keys(content?.props ?? {}).sort(), ['availableField', 'customValue', 'name', 'runtime']);
    assert.equal((content?.props.runtime as { powerState: string }).powerState, 'poweredOn');
  });

  it('seeds over POST /_sim/seed-dcm with via, and defines fields over POST /_sim/fields', async () => {
    const seeded = await control('/_sim/seed-dcm', { count: 3, tagged: 2, via: 'both' });
    assert.equal(seeded.status, 201);
    const { vms } = (await seeded.json()) as { vms: { vmId: string; instanceId?: string }[] };
    assert.equal(simulator.inventory.getVm(vms[0]!.vmId)?.customValues.size, 2);
    assert.equal(simulator.inventory.tagsOnVm(vms[0]!.vmId).size, 2);
    assert.equal(simulator.inventory.getVm(vms[2]!.vmId)?.customValues.size, 0);
    assert.equal((await control('/_sim/seed-dcm', { count: 1, tagged: 1, via: 'label' })).status, 400);
    const field = await control('/_sim/fields', { name: 'owner', managedObjectType: 'VirtualMachine' });
    assert.equal(field.status, 201);
    assert.deepEqual(await field.json(), { key: simulator.inventory.findCustomField('owner')?.key, name: 'owner', managedObjectType: 'VirtualMachine' });
  });
});
