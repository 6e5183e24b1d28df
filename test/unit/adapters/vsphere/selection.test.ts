import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
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

// The listing keeps its last selection and reuses it while vCenter answers the association calls as before; any change to
// which VM carries which tag must show up in the very next poll, as a fresh connection lists it.
test('a long-lived connection lists what a fresh one lists after any retagging between polls (the kept selection is never stale)', async () => {
  const vmCount = 8;
  const vms = Array.from({ length: vmCount }, (_, index) => `vm-${1001 + index}`);
  const index = fc.integer({ min: 0, max: vmCount - 1 });
  const change = fc.oneof(
    fc.record({ kind: fc.constant('swap' as const), first: index, second: index }),
    fc.record({ kind: fc.constant('unmanage' as const), first: index }),
    fc.record({ kind: fc.constant('manage' as const), first: index }),
    fc.record({ kind: fc.constant('second instance id' as const), first: index, second: index }),
    fc.record({ kind: fc.constant('drop instance id' as const), first: index }),
    fc.record({ kind: fc.constant('power' as const), first: index }),
    fc.record({ kind: fc.constant('nothing' as const), first: fc.constant(0) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 8 }), async (changes) => {
      lab.simulator.reset();
      lab.simulator.inventory.createCategory({ name: 'dcm-instance-id', cardinality: 'MULTIPLE' });
      lab.simulator.seedDcmVms({ count: vmCount, tagged: vmCount });
      const instanceTags = new Map(vms.map((vm) => [vm, new Set([...lab.simulator.inventory.tagsOnVm(vm)].filter((tagId) => lab.simulator.inventory.getTag(tagId)?.name.startsWith('inst-')))]));
      const kept = connectVsphere(lab.endpointInput());
      try {
        await listAll(kept.connection);
        for (const step of changes) {
          const first = vms[step.first] as string;
          const second = vms['second' in step ? step.second : 0] as string;
          const tagsOf = (vm: string): Set<string> => instanceTags.get(vm) as Set<string>;
          if (step.kind === 'swap') {
            const [firstTags, secondTags] = [[...tagsOf(first)], [...tagsOf(second)]];
            for (const tagId of firstTags) lab.simulator.inventory.detachTag(tagId, first);
            for (const tagId of secondTags) lab.simulator.inventory.detachTag(tagId, second);
            for (const tagId of secondTags) lab.simulator.inventory.attachTag(tagId, first);
            for (const tagId of firstTags) lab.simulator.inventory.attachTag(tagId, second);
            instanceTags.set(first, new Set(secondTags)).set(second, new Set(firstTags));
          } else if (step.kind === 'unmanage') lab.simulator.inventory.untagVm(first, { category: 'managed-by', tag: 'dcm' });
          else if (step.kind === 'manage') lab.simulator.inventory.tagVm(first, { category: 'managed-by', tag: 'dcm' });
          else if (step.kind === 'second instance id') {
            for (const tagId of tagsOf(second)) if (!tagsOf(first).has(tagId)) lab.simulator.inventory.attachTag(tagId, first);
            for (const tagId of tagsOf(second)) tagsOf(first).add(tagId);
          } else if (step.kind === 'drop instance id') {
            for (const tagId of tagsOf(first)) lab.simulator.inventory.detachTag(tagId, first);
            tagsOf(first).clear();
          } else if (step.kind === 'power') {
            const state = lab.simulator.inventory.getVm(first)?.powerState === 'POWERED_ON' ? 'POWERED_OFF' : 'POWERED_ON';
            lab.simulator.inventory.setPowerState(first, state);
          }
          const fresh = connectVsphere(lab.endpointInput());
          try {
            assert.deepEqual(await listAll(kept.connection), await listAll(fresh.connection), `after ${JSON.stringify(step)}`);
          } finally {
            await fresh.connection.close();
          }
        }
      } finally {
        await kept.connection.close();
      }
    }),
    { numRuns: 30 },
  );
});
