// The permission change on the custom-attribute path (vim25): VMs the account may no longer read
// leave the container view, and vCenter answers NoPermission when they are named directly. Absence
// is only a question, and NoPermission answers it "cannot tell": no DELETED, the last state stands,
// and the VMs come back unchanged when the permission does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHarness } from '../support/harness.js';
import { startVsphereBridge } from '../support/vsphere-bridge.js';
import { useVsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
const name = 'vc-vim-permissions';
const lab = useVsphereLab();

test('VMs hidden by a permission change are never reported DELETED over vim25; they return unchanged', async () => {
  lab.simulator.seedDcmVms({ count: 40, tagged: 40, via: 'customAttribute' });
  const { bridge, events } = await startVsphereBridge(harness(), [{ lab, input: { name, apiFlavor: 'vim' } }], { maxObjects: 25 }, { extraYaml: 'diff: { fullListSeconds: 0 }' });
  const poll = async () => {
    const report = await bridge.runOnce();
    assert.ok(report.ok, JSON.stringify(report.endpoints));
    return report.endpoints[0]?.lastReport;
  };
  await poll();
  assert.equal((await events(name)).length, 40);

  const hidden = ['vm-1003', 'vm-1017', 'vm-1031'];
  assert.equal(lab.simulator.account.setVisible(hidden, false), 3);
  for (let list = 0; list < 3; list++) await poll();
  const report = await poll();
  assert.equal(report?.missing, 3, 'still tracked, counted missing');
  assert.ok((report?.absence.unknown ?? 0) >= 3, `vCenter was asked and could not tell: ${JSON.stringify(report?.absence)}`);
  assert.equal((await events(name)).length, 40, 'no DELETED for a VM the account may no longer read');
  const checks = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_absence_checks_total');
  assert.match(checks, new RegExp(`endpoint="${name}",verdict="unknown"}`));
  assert.doesNotMatch(checks, /verdict="gone"/);

  lab.simulator.account.setVisible(hidden, true);
  const back = await poll();
  assert.equal(back?.missing, 0);
  assert.equal((await events(name)).length, 40, 'back unchanged: nothing to tell DCM');
});
