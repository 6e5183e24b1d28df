// Invariant 3 on vSphere, through the whole bridge (real Redis and NATS JetStream): a VM missing
// from complete vCenter lists is DELETED only when vCenter confirms it gone (404 not_found).
// Permission changes, retagging, `object_ids: null`, malformed pages and confirmations vCenter
// cannot answer publish no DELETED; a real deletion or unregistration publishes exactly one.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VsphereAdapterOptions } from '../../adapters/vsphere/index.js';
import type { ReceivedMessage } from '../support/jetstream-consumer.js';
import { useHarness } from '../support/harness.js';
import { startVsphereBridge, type VsphereBridge } from '../support/vsphere-bridge.js';
import { startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
const vmCount = 40;
/** More polls than `diff.deleteAfterMissedLists` (2) plus one re-ask of every unknown. */
const pollsPerCase = 4;

const deleted = (received: readonly ReceivedMessage[]): string[] => received.filter((message) => message.event.data.status === 'DELETED').map((message) => message.event.data.id);

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`vSphere /${apiFlavor}: absence from a list is not deletion`, () => {
    const labs: VsphereLab[] = [];
    after(() => Promise.all(labs.map((lab) => lab.close())));

    /** A fresh vCenter with 40 DCM VMs, and a bridge that has published their first state. */
    async function setUp(name: string, adapterOptions: VsphereAdapterOptions = {}): Promise<{ lab: VsphereLab; bridge: VsphereBridge['bridge']; events: () => Promise<ReceivedMessage[]> }> {
      const lab = await startVsphereLab();
      labs.push(lab);
      lab.simulator.seedDcmVms({ count: vmCount, tagged: vmCount });
      const endpoint = `vc-${name}-${apiFlavor}`;
      const { bridge, events } = await startVsphereBridge(harness(), [{ lab, input: { name: endpoint, apiFlavor } }], adapterOptions);
      const first = await bridge.runOnce();
      assert.ok(first.ok, JSON.stringify(first.endpoints));
      assert.equal((await events(endpoint)).length, vmCount);
      return { lab, bridge, events: () => events(endpoint) };
    }

    async function poll(bridge: VsphereBridge['bridge'], times = pollsPerCase): Promise<void> {
      for (let index = 0; index < times; index++) await bridge.runOnce();
    }

    test('a permission change hides 12 of 40 VMs (mass): no DELETED, even once an operator releases the guard; restored: not one event', async () => {
      const { lab, bridge, events } = await setUp('hidden-mass');
      lab.simulator.account.setVisible(Array.from({ length: 12 }, (_, index) => `vm-${1001 + index}`), false);
      await poll(bridge);
      assert.deepEqual(deleted(await events()), []);
      // The operator confirms the deletions: now vCenter itself is asked, and its 403s are not "gone".
      assert.ok(bridge.releaseHeldDeletions(`vc-hidden-mass-${apiFlavor}`));
      lab.simulator.resetStats();
      await poll(bridge);
      assert.ok((lab.simulator.stats().byRoute[`GET /${apiFlavor}/vcenter/vm/{vm}`] ?? 0) >= 12, 'each hidden VM was looked up');
      assert.deepEqual(deleted(await events()), []);
      lab.simulator.account.setVisible(lab.simulator.account.hiddenVms(), true);
      await poll(bridge, 2);
      assert.equal((await events()).length, vmCount, 'the VMs come back as DCM knew them');
    });

    test('a permission change hides 2 VMs (under the guard): vCenter is asked, answers 403, no DELETED', async () => {
      const { lab, bridge, events } = await setUp('hidden-few');
      lab.simulator.account.setVisible(['vm-1005', 'vm-1006'], false);
      lab.simulator.resetStats();
      await poll(bridge);
      assert.ok((lab.simulator.stats().byRoute[`GET /${apiFlavor}/vcenter/vm/{vm}`] ?? 0) >= 2, 'confirmAbsence looked the hidden VMs up');
      assert.deepEqual(deleted(await events()), []);
      assert.equal((await events()).length, vmCount);
    });

    test('retagged VMs (instance-id tag removed, or both tags): no DELETED, no event', async () => {
      const { lab, bridge, events } = await setUp('retagged');
      lab.simulator.inventory.untagVm('vm-1003', { category: 'managed-by', tag: 'dcm' });
      lab.simulator.inventory.untagVm('vm-1003', { category: 'dcm-instance-id', tag: 'inst-00003' });
      lab.simulator.inventory.untagVm('vm-1004', { category: 'managed-by', tag: 'dcm' });
      await poll(bridge);
      assert.deepEqual(deleted(await events()), []);
      assert.equal((await events()).length, vmCount);
    });

    test('object_ids: null for an instance-id tag not attached yet: every poll succeeds, no DELETED', async () => {
      const { lab, bridge, events } = await setUp('null-object-ids');
      lab.simulator.quirks.nullObjectIdsForUnattachedTags = true;
      lab.simulator.inventory.createTag(lab.simulator.inventory.findCategoryByName('dcm-instance-id')?.id ?? '', 'inst-00041');
      for (let index = 0; index < pollsPerCase; index++) {
        const result = await bridge.runOnce();
        assert.ok(result.ok, result.endpoints[0]?.lastError?.message);
      }
      assert.equal((await events()).length, vmCount);
    });

    test('pages that are not the documented answer fail their polls and delete nothing', async () => {
      const { lab, bridge, events } = await setUp('malformed', { vmBatchSize: 10 });
      const vmList = `GET /${apiFlavor}/vcenter/vm`;
      for (const spec of [{ kind: 'html' }, { kind: 'empty' }, { kind: 'textPlain' }, { kind: 'dropField', field: 'vm' }, { kind: 'dropField', field: 'power_state' }] as const) {
        lab.simulator.malformAnswer({ route: vmList, skip: 2, ...spec });
        const result = await bridge.runOnce();
        assert.equal(result.ok, false, `${spec.kind} fails the poll`);
        assert.equal(result.endpoints[0]?.lastError?.code, 'PLATFORM_PAYLOAD');
      }
      await poll(bridge, 2);
      assert.equal((await events()).length, vmCount, 'no DELETED, no other event');
    });

    test('vCenter cannot answer the confirmation (503 on lookups): no DELETED; once it answers 404, exactly one DELETED', async () => {
      const { lab, bridge, events } = await setUp('cannot-tell');
      lab.simulator.inventory.removeVm('vm-1007');
      lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { route: `GET /${apiFlavor}/vcenter/vm/{vm}` } }]);
      await poll(bridge);
      assert.deepEqual(deleted(await events()), []);
      lab.simulator.faults.clear();
      await poll(bridge);
      assert.deepEqual(deleted(await events()), ['inst-00007']);
    });

    test('a real deletion and an unregistration: exactly one DELETED each, and no other event', async () => {
      const { lab, bridge, events } = await setUp('real');
      lab.simulator.inventory.removeVm('vm-1010');
      lab.simulator.inventory.unregisterVm('vm-1020');
      await poll(bridge);
      const received = await events();
      assert.deepEqual(deleted(received).sort(), ['inst-00010', 'inst-00020']);
      assert.equal(received.length, vmCount + 2);
      const message = received.find((event) => event.event.data.id === 'inst-00010' && event.event.data.status === 'DELETED')?.event.data.message ?? '';
      assert.match(message, /is gone: absent from the list and the platform confirms it/, 'the DELETED message says why');
    });
  });
}
