// Issue #13, must-show 2: the custom-attribute path (vim25 over SOAP) through the whole bridge
// (real Redis and NATS JetStream, the vCenter simulator's /sdk): power changes publish
// RUNNING/STOPPED/PAUSED, a removed VM exactly one DELETED once vCenter confirms it gone
// (ManagedObjectNotFound), a VM whose managed-by attribute is cleared leaves DCM's scope without
// DELETED, an instance id that is not a DNS label is counted and not published, and the
// connection states follow the state table (disconnected keeps the last state, orphaned FAILED).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceivedMessage } from '../support/jetstream-consumer.js';
import { useHarness } from '../support/harness.js';
import { startVsphereBridge } from '../support/vsphere-bridge.js';
import { useVsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
const name = 'vc-vim';
const lab = useVsphereLab();

const statuses = (received: readonly ReceivedMessage[]): string[] => received.map((message) => `${message.event.data.id}:${message.event.data.status}`);

test('custom attributes over vim25: lifecycle events, one confirmed DELETED, unmanaged VMs leave scope, bad ids counted', async () => {
  lab.simulator.seedDcmVms({ count: 8, tagged: 5, via: 'customAttribute' });
  lab.simulator.inventory.setCustomValue('vm-1006', 'managed-by', 'dcm');
  lab.simulator.inventory.setCustomValue('vm-1006', 'dcm-instance-id', 'Not_A_DNS_Label');
  // A tag-path VM is not selected by the attribute path.
  lab.simulator.tagVm('vm-1007', { category: 'managed-by', tag: 'dcm' });
  // Every poll lists in full (RetrievePropertiesEx paging): this test is about the full list's absence rules; vsphere-vim-incremental.test.ts covers WaitForUpdatesEx.
  const { bridge, events } = await startVsphereBridge(harness(), [{ lab, input: { name, apiFlavor: 'vim' } }], { maxObjects: 3 }, { extraYaml: 'diff: { fullListSeconds: 0 }' });
  const poll = async (): Promise<void> => {
    const report = await bridge.runOnce();
    assert.ok(report.ok, JSON.stringify(report.endpoints));
  };

  await poll();
  let received = await events(name);
  assert.deepEqual(received.map((message) => message.event.data.id).sort(), ['inst-00001', 'inst-00002', 'inst-00003', 'inst-00004', 'inst-00005']);
  assert.ok(received.every((message) => message.event.data.status === 'RUNNING' && message.subject === 'dcm.vm'));
  assert.deepEqual(received.find((message) => message.event.data.id === 'inst-00001')?.event.data, { id: 'inst-00001', status: 'RUNNING', message: 'VM dcm-vm-1001 is running (vsphere: powered on)' });
  const invalid = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_invalid_instance_ids_total');
  assert.match(invalid, new RegExp(`endpoint="${name}"} 1`), 'the VM whose id is not a DNS label is counted');
  assert.ok(!received.some((message) => message.event['dcmplatformid'] === 'vm-1006'), '… and not published');

  await poll();
  assert.equal((await events(name)).length, 5, 'nothing for unchanged VMs');

  lab.simulator.inventory.setPowerState('vm-1002', 'POWERED_OFF');
  lab.simulator.inventory.setPowerState('vm-1003', 'SUSPENDED');
  await poll();
  received = await events(name);
  assert.deepEqual(statuses(received.slice(5)).sort(), ['inst-00002:STOPPED', 'inst-00003:PAUSED']);
  lab.simulator.inventory.setPowerState('vm-1002', 'POWERED_ON');
  await poll();
  assert.deepEqual(statuses((await events(name)).slice(7)), ['inst-00002:RUNNING']);

  // Host disconnected: vCenter's power state is only the last it saw; DCM keeps what it was told.
  lab.simulator.inventory.setConnectionState('vm-1001', 'disconnected');
  await poll();
  assert.equal((await events(name)).length, 8, 'disconnected publishes nothing');
  lab.simulator.inventory.setConnectionState('vm-1001', 'orphaned');
  await poll();
  received = await events(name);
  assert.deepEqual(statuses(received.slice(8)), ['inst-00001:FAILED']);
  assert.match(received[8]?.event.data.message ?? '', /orphaned/);

  // Deleted: missing from two complete lists, then RetrievePropertiesEx by moref answers ManagedObjectNotFound.
  lab.simulator.inventory.removeVm('vm-1004');
  // The managed-by attribute cleared: vCenter still has the VM, so it only leaves DCM's scope.
  lab.simulator.inventory.setCustomValue('vm-1005', 'managed-by', '');
  await poll();
  assert.equal((await events(name)).length, 9, 'one complete list without them is not enough');
  lab.simulator.resetStats();
  await poll();
  received = await events(name);
  assert.deepEqual(statuses(received.slice(9)), ['inst-00004:DELETED']);
  const byRoute = lab.simulator.stats().byRoute;
  // The listing's 3 pages, one batched lookup of both absent VMs, one single lookup of the one not returned.
  assert.equal((byRoute['POST /sdk RetrievePropertiesEx'] ?? 0) + (byRoute['POST /sdk ContinueRetrievePropertiesEx'] ?? 0), 3 + 1 + 1);
  const checks = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_absence_checks_total');
  assert.match(checks, /verdict="unmanaged"[^\n]*} 1/, 'the VM without managed-by was found unmanaged');
  await poll();
  await poll();
  assert.equal((await events(name)).length, 10, 'DELETED is sent once; the unmanaged VM gets none');

  // Out of scope, its power changes reach no one; managed again, its current state is published.
  lab.simulator.inventory.setPowerState('vm-1005', 'POWERED_OFF');
  await poll();
  assert.equal((await events(name)).length, 10, 'an unmanaged VM is not listed');
  lab.simulator.inventory.setCustomValue('vm-1005', 'managed-by', 'dcm');
  await poll();
  assert.deepEqual(statuses((await events(name)).slice(10)), ['inst-00005:STOPPED']);

  assert.equal(lab.simulator.stats().byRoute['POST /sdk Login'] ?? 0, 0, 'one session for every poll');
  await bridge.stop();
  assert.equal(lab.simulator.stats().byRoute['POST /sdk Logout'], 1, 'logged out on stop');
});
