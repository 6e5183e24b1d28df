import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.js';
import { startVsphereBridge } from '../support/vsphere-bridge.js';
import { startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.dispose());

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`vSphere /${apiFlavor} through the whole pipeline`, () => {
    const name = `vc-${apiFlavor}`;
    let lab: VsphereLab;
    before(async () => {
      lab = await startVsphereLab();
    });
    after(() => lab.close());

    test('tagged VMs: one event each; unchanged: none; power off, suspend, removal: exactly one event each', async () => {
      lab.simulator.seedDcmVms({ count: 8, tagged: 5 });
      lab.simulator.tagVm('vm-1008', { category: 'managed-by', tag: 'dcm' }); // managed but no instance id: reported, not published
      const { bridge, events } = await startVsphereBridge(harness, [{ lab, input: { name, apiFlavor } }]);

      const first = await bridge.runOnce();
      assert.ok(first.ok, JSON.stringify(first.endpoints));
      let received = await events(name);
      assert.deepEqual(received.map((message) => message.event.data.id).sort(), ['inst-00001', 'inst-00002', 'inst-00003', 'inst-00004', 'inst-00005']);
      assert.ok(received.every((message) => message.event.data.status === 'RUNNING' && message.subject === 'dcm.vm'));
      assert.equal(first.endpoints[0]?.lastReport?.invalidIds, 1, 'the VM without an instance id is counted');
      assert.deepEqual(received[0]?.event.data, { id: 'inst-00001', status: 'RUNNING', message: 'VM dcm-vm-1001 is running (vsphere: powered on)' });
      assert.equal(received[0]?.event['dcmplatformid'], 'vm-1001');

      assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, 5, 'nothing for unchanged VMs');

      lab.simulator.inventory.setPowerState('vm-1002', 'POWERED_OFF');
      assert.ok((await bridge.runOnce()).ok);
      received = await events(name);
      assert.equal(received.length, 6);
      assert.deepEqual(received[5]?.event.data, { id: 'inst-00002', status: 'STOPPED', message: 'VM dcm-vm-1002 is stopped (vsphere: powered off)' });
      assert.equal(received[5]?.event['dcmpreviousstatus'], 'RUNNING');

      lab.simulator.inventory.setPowerState('vm-1003', 'SUSPENDED');
      assert.ok((await bridge.runOnce()).ok);
      received = await events(name);
      assert.equal(received.length, 7);
      assert.deepEqual([received[6]?.event.data.id, received[6]?.event.data.status], ['inst-00003', 'PAUSED']);

      lab.simulator.inventory.removeVm('vm-1004');
      assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, 7, 'one complete list without it is not enough');
      assert.ok((await bridge.runOnce()).ok);
      received = await events(name);
      assert.equal(received.length, 8);
      assert.deepEqual([received[7]?.event.data.id, received[7]?.event.data.status], ['inst-00004', 'DELETED']);
      assert.ok((await bridge.runOnce()).ok);
      assert.equal((await events(name)).length, 8, 'DELETED is sent once');

      assert.equal(lab.simulator.sessionCounters().logins, 1, 'one session for every poll');
      await bridge.stop();
      assert.equal(lab.simulator.sessionCounters().active, 0, 'logged out on stop');
    });
  });
}
