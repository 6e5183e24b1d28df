import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { connectVsphere, listAll, startVsphereLab, type VsphereLab } from '../../../support/vsphere-lab.js';

let lab: VsphereLab;
// Set by a test to run between the tag lookups and the VM list, through the simulator's latency hook.
let betweenCalls: (() => void) | undefined;
before(async () => {
  lab = await startVsphereLab({ simulator: { delay: async () => betweenCalls?.() } });
});
after(() => lab.close());
beforeEach(() => {
  lab.simulator.reset();
  betweenCalls = undefined;
});

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`/${apiFlavor}`, () => {
    test('lists only managed-by=dcm VMs, with their instance id, power state and name', async () => {
      lab.simulator.seedDcmVms({ count: 6, tagged: 4 });
      lab.simulator.inventory.setPowerState('vm-1002', 'POWERED_OFF');
      lab.simulator.inventory.setPowerState('vm-1003', 'SUSPENDED');
      // An instance-id tag without managed-by is not DCM's.
      lab.simulator.tagVm('vm-1005', { category: 'dcm-instance-id', tag: 'stray-1' });
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      assert.deepEqual(await listAll(connection), [
        { platformId: 'vm-1001', instanceId: 'inst-00001', rawState: 'POWERED_ON', name: 'dcm-vm-1001' },
        { platformId: 'vm-1002', instanceId: 'inst-00002', rawState: 'POWERED_OFF', name: 'dcm-vm-1002' },
        { platformId: 'vm-1003', instanceId: 'inst-00003', rawState: 'SUSPENDED', name: 'dcm-vm-1003' },
        { platformId: 'vm-1004', instanceId: 'inst-00004', rawState: 'POWERED_ON', name: 'dcm-vm-1004' },
      ]);
      await connection.close();
    });

    test('a managed VM without an instance-id tag is listed with instanceId undefined (the core reports it)', async () => {
      lab.simulator.seedDcmVms({ count: 2, tagged: 1 });
      lab.simulator.tagVm('vm-1002', { category: 'managed-by', tag: 'dcm' });
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      const listed = await listAll(connection);
      assert.deepEqual(listed[1], { platformId: 'vm-1002', instanceId: undefined, rawState: 'POWERED_ON', name: 'dcm-vm-1002' });
      await connection.close();
    });

    test('a VM with another managed-by tag (not dcm) is not listed', async () => {
      lab.simulator.seedDcmVms({ count: 1, tagged: 1 });
      lab.simulator.inventory.addVm({ id: 'vm-2000', name: 'other', tags: [{ category: 'managed-by', tag: 'someone-else' }, { category: 'dcm-instance-id', tag: 'inst-x' }] });
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      assert.deepEqual((await listAll(connection)).map((vm) => vm.platformId), ['vm-1001']);
      await connection.close();
    });

    test('a tagged VM deleted between the tag lookup and the VM list is simply not listed', async () => {
      lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
      lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 1, scope: { pathPrefix: `/${apiFlavor}/vcenter/vm` }, trigger: { type: 'next', count: 1 } }]);
      betweenCalls = () => lab.simulator.inventory.removeVm('vm-1002');
      const { connection } = connectVsphere(lab.endpointInput({ apiFlavor }));
      assert.deepEqual((await listAll(connection)).map((vm) => vm.platformId), ['vm-1001', 'vm-1003']);
      await connection.close();
    });
  });
}

test('selector names come from the endpoint: other categories and tag values', async () => {
  lab.simulator.seedDcmVms({ count: 3, tagged: 2, managedByCategory: 'owner', managedByTag: 'dcm-prod', instanceIdCategory: 'dcm-id' });
  lab.simulator.seedDcmVms({ count: 2, tagged: 2 });
  const { connection } = connectVsphere({ ...lab.endpointInput(), selector: { managedByKey: 'owner', managedByValue: 'dcm-prod', instanceIdKey: 'dcm-id' } });
  assert.deepEqual((await listAll(connection)).map((vm) => [vm.platformId, vm.instanceId]), [
    ['vm-1001', 'inst-00001'],
    ['vm-1002', 'inst-00002'],
  ]);
  await connection.close();
});

test('a VM with two instance-id tags is listed without an id, and logged', async () => {
  lab.simulator.inventory.createCategory({ name: 'dcm-instance-id', cardinality: 'MULTIPLE' });
  lab.simulator.seedDcmVms({ count: 1, tagged: 1 });
  lab.simulator.tagVm('vm-1001', { category: 'dcm-instance-id', tag: 'inst-other' });
  const { connection, logLines } = connectVsphere(lab.endpointInput());
  assert.equal((await listAll(connection))[0]?.instanceId, undefined);
  assert.ok(logLines.some((line) => line.includes('more than one instance-id tag')));
  await connection.close();
});

test('no managed VMs at all: a complete, empty listing', async () => {
  lab.simulator.seedDcmVms({ count: 2, tagged: 2 });
  for (const vm of ['vm-1001', 'vm-1002']) lab.simulator.inventory.untagVm(vm, { category: 'managed-by', tag: 'dcm' });
  const { connection } = connectVsphere(lab.endpointInput());
  assert.deepEqual(await listAll(connection), []);
  await connection.close();
});

test('missing categories or managed-by tag: LIST_INCOMPLETE naming what to create, never an empty list', async () => {
  lab.simulator.inventory.addVm({ id: 'vm-1', name: 'plain' });
  const { connection } = connectVsphere(lab.endpointInput());
  await assert.rejects(listAll(connection), { code: ErrorCode.ListIncomplete, message: /^vsphere endpoint vc-lab: vCenter has no tag category "managed-by" \(selector.managedByKey\)/ });
  lab.simulator.inventory.createCategory({ name: 'managed-by' });
  lab.simulator.inventory.createCategory({ name: 'dcm-instance-id' });
  await assert.rejects(listAll(connection), { code: ErrorCode.ListIncomplete, message: /no tag "dcm" in category "managed-by" \(selector.managedByValue\)/ });
  lab.simulator.seedDcmVms({ count: 1, tagged: 1 });
  assert.equal((await listAll(connection)).length, 1, 'found once the operator created them');
  await connection.close();
});

test('categories and the managed-by tag deleted and re-created: cached ids are dropped and looked up again', async () => {
  lab.simulator.seedDcmVms({ count: 2, tagged: 2 });
  const { connection } = connectVsphere(lab.endpointInput());
  assert.equal((await listAll(connection)).length, 2);
  // Re-create everything with new ids (a reset renumbers; start numbering past the old ids first).
  lab.simulator.reset();
  lab.simulator.inventory.createCategory({ name: 'unrelated-1' });
  lab.simulator.inventory.createCategory({ name: 'unrelated-2' });
  lab.simulator.inventory.createCategory({ name: 'unrelated-3' });
  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  assert.deepEqual((await listAll(connection)).map((vm) => vm.instanceId), ['inst-00001', 'inst-00002', 'inst-00003']);
  await connection.close();
});
