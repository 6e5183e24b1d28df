import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator } from './index.js';
import { useSimulator } from './support.js';
import { createVmView, directRetrieval, envelope, faultOf, readResult, soapCall, valText, viewRetrieval } from './vim/soap-client.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator, { login: ['soap'] });

const retrieveEx = (argumentsXml: string): string => envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', argumentsXml);

describe('vim25: what the account sees, and VMs that are gone', () => {
  it('leaves VMs the account may not read out of a container view, and puts them back when visible again', async () => {
    const ids = simulator.inventory.bulkCreateVms({ count: 5 });
    const viewId = await createVmView(vcenter.url, vcenter.cookie);
    simulator.account.setVisible([ids[1]!, ids[3]!], false);
    const listed = async (): Promise<string[]> => readResult(await soapCall(vcenter.url, retrieveEx(viewRetrieval(viewId, ['name'])), vcenter.cookie), 'RetrievePropertiesEx').objects.map((object) => object.id);
    assert.deepEqual(await listed(), [ids[0], ids[2], ids[4]]);
    simulator.account.setVisible([ids[1]!], true);
    assert.deepEqual(await listed(), [ids[0], ids[1], ids[2], ids[4]]);
  });

  it('reports a VM the account may not read, named directly, with NoPermission in missingSet for each path', async () => {
    const [id] = simulator.inventory.bulkCreateVms({ count: 1 });
    simulator.account.setVisible([id!], false);
    const answer = await soapCall(vcenter.url, retrieveEx(directRetrieval('VirtualMachine', [id!], ['name', 'customValue'])), vcenter.cookie);
    assert.equal(answer.status, 200);
    const [content] = readResult(answer, 'RetrievePropertiesEx').objects;
    assert.equal(content?.id, id);
    assert.deepEqual(content?.props, {});
    assert.deepEqual(content?.missing, [
      { path: 'name', faultType: 'NoPermission' },
      { path: 'customValue', faultType: 'NoPermission' },
    ]);
    assert.match(answer.text, /<privilegeId>System.Read<\/privilegeId>/);
  });

  it('answers ManagedObjectNotFound for a deleted VM named directly; reportMissingObjectsInResults omits it instead', async () => {
    const [kept, deleted] = simulator.inventory.bulkCreateVms({ count: 2 });
    simulator.inventory.removeVm(deleted!);
    const strict = await soapCall(vcenter.url, retrieveEx(directRetrieval('VirtualMachine', [kept!, deleted!], ['name'])), vcenter.cookie);
    assert.equal(strict.status, 500);
    const fault = faultOf(strict);
    assert.equal(fault?.type, 'ManagedObjectNotFound');
    assert.equal(fault?.faultstring, 'The object has already been deleted or has not been completely created');
    assert.deepEqual(fault?.detail.obj, { '#text': deleted, '@_type': 'VirtualMachine' });
    const lenient = readResult(await soapCall(vcenter.url, retrieveEx(directRetrieval('VirtualMachine', [kept!, deleted!], ['name'], true)), vcenter.cookie), 'RetrievePropertiesEx');
    assert.deepEqual(lenient.objects.map((object) => object.id), [kept]);
    assert.equal(valText(lenient.objects[0]?.props.name), simulator.inventory.getVm(kept!)?.name);
  });

  it('drops a VM from the view once it is removed from the inventory (unregistered), and shows the re-registered one under its new id', async () => {
    const [id] = simulator.inventory.bulkCreateVms({ count: 1 });
    const viewId = await createVmView(vcenter.url, vcenter.cookie);
    simulator.inventory.unregisterVm(id!);
    const registered = simulator.inventory.registerVm(id!);
    const objects = readResult(await soapCall(vcenter.url, retrieveEx(viewRetrieval(viewId, ['name'])), vcenter.cookie), 'RetrievePropertiesEx').objects;
    assert.deepEqual(objects.map((object) => object.id), [registered.id]);
    assert.notEqual(registered.id, id);
  });

  it('answers one power change in both APIs: the REST VM and the vim25 VM are the same object', async () => {
    const [id] = simulator.inventory.bulkCreateVms({ count: 1 });
    await fetch(`${vcenter.url}/_sim/vms/${id}/power`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'SUSPENDED' }) });
    const [content] = readResult(await soapCall(vcenter.url, retrieveEx(directRetrieval('VirtualMachine', [id!], ['runtime.powerState'])), vcenter.cookie), 'RetrievePropertiesEx').objects;
    assert.equal(valText(content?.props['runtime.powerState']), 'suspended');
  });

  it('refuses a container that does not exist and a type that is not a managed entity', async () => {
    const create = (container: string, type: string): string =>
      envelope('CreateContainerView', 'ViewManager', 'ViewManager', `${container}<type>${type}</type><recursive>true</recursive>`);
    const missing = faultOf(await soapCall(vcenter.url, create('<container type="Folder">group-d999x</container>', 'VirtualMachine'), vcenter.cookie));
    assert.equal(missing?.type, 'ManagedObjectNotFound');
    const unknownType = faultOf(await soapCall(vcenter.url, create('<container type="Folder">group-d1</container>', 'Toaster'), vcenter.cookie));
    assert.deepEqual([unknownType?.type, unknownType?.detail.invalidProperty], ['InvalidArgument', 'type']);
  });

  it('serves a view on a placement container (the datacenter) with the VMs placed there', async () => {
    const [inDefault] = simulator.inventory.bulkCreateVms({ count: 1 });
    simulator.inventory.addVm({ name: 'elsewhere', datacenter: 'datacenter-77' });
    const created = await soapCall(vcenter.url, envelope('CreateContainerView', 'ViewManager', 'ViewManager', '<container type="Datacenter">datacenter-3</container><type>VirtualMachine</type><recursive>true</recursive>'), vcenter.cookie);
    const viewId = (created.body.CreateContainerViewResponse as { returnval: { '#text': string }[] }).returnval[0]?.['#text'] ?? '';
    assert.match(viewId, /^session\[[0-9a-f-]+\][0-9a-f-]+$/);
    const objects = readResult(await soapCall(vcenter.url, retrieveEx(viewRetrieval(viewId, ['name'])), vcenter.cookie), 'RetrievePropertiesEx').objects;
    assert.deepEqual(objects.map((object) => object.id), [inDefault]);
  });
});
