// Issue #14, must-shows 2 and 3 on vCenter through the whole bridge (vim25 over SOAP against the
// simulator, real Redis and NATS JetStream), diff.fullListSeconds at its default (3,600):
// - 100,000 VMs, 20,000 managed: after the first (full) poll, 10 managed VMs change: the steady
//   poll sends one WaitForUpdatesEx and DCM receives exactly those 10 transitions; a deleted
//   managed VM departs and gets exactly one DELETED in that same poll, confirmed by vCenter
//   (ManagedObjectNotFound), without waiting for deleteAfterMissedLists;
// - a cursor vCenter cannot take (its session ended) and a restart (the filter was the old
//   process's) each give one full listing in the same poll, and DCM receives every transition
//   once: none lost, none repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import type { ReceivedMessage } from '../support/jetstream-consumer.js';
import { useHarness } from '../support/harness.js';
import { createSkippingClock, startVsphereBridge } from '../support/vsphere-bridge.js';
import { soapOperations, useVsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
const lab = useVsphereLab();

const statuses = (received: readonly ReceivedMessage[]): string[] => received.map((message) => `${message.event.data.id}:${message.event.data.status}`).sort();

/** The SOAP operations since the last reset, by name. */
const operations = (): Record<string, number> => soapOperations(lab.simulator);

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, count) => sum + count, 0);

test('100,000 VMs, 20,000 managed: a steady poll is one WaitForUpdatesEx publishing exactly the 10 transitions; a deleted VM gets one DELETED in the poll that saw it leave', { timeout: 600_000 }, async () => {
  lab.simulator.reset();
  const seeded = lab.simulator.seedDcmVms({ count: 100_000, tagged: 20_000, via: 'customAttribute' });
  const name = 'vc-vim-inc-100k';
  const { bridge, events } = await startVsphereBridge(harness(), [{ lab, input: { name, apiFlavor: 'vim' } }], { maxObjects: 1000 });
  const poll = async () => {
    const report = await bridge.runOnce();
    assert.ok(report.ok, JSON.stringify(report.endpoints));
  };

  let started = Date.now();
  await poll();
  const fullMs = Date.now() - started;
  const full = operations();
  assert.equal(full['WaitForUpdatesEx'], 1000, 'the first poll lists in full through the filter, 100 VMs an answer');
  assert.equal(full['CreateFilter'], 1);
  assert.equal((await events(name)).length, 20_000);

  const changed = seeded.slice(0, 20_000).filter((_vm, index) => index % 2000 === 3);
  for (const vm of changed) lab.simulator.inventory.setPowerState(vm.vmId, 'POWERED_OFF');
  for (const vm of seeded.slice(60_000, 60_050)) lab.simulator.inventory.setPowerState(vm.vmId, 'SUSPENDED');
  lab.simulator.resetStats();
  started = Date.now();
  await poll();
  const steadyMs = Date.now() - started;
  const steady = operations();
  assert.deepEqual(steady, { WaitForUpdatesEx: 1 });
  assert.ok(total(steady) <= 2);
  const afterSteady = (await events(name)).slice(20_000);
  assert.deepEqual(statuses(afterSteady), changed.map((vm) => `${vm.instanceId}:STOPPED`).sort());

  const deleted = seeded[4321]!;
  lab.simulator.inventory.removeVm(deleted.vmId);
  lab.simulator.resetStats();
  await poll();
  const deletion = operations();
  // The listing: one WaitForUpdatesEx. The confirmation: one batched RetrievePropertiesEx, then the VM alone (ManagedObjectNotFound).
  assert.deepEqual(deletion, { WaitForUpdatesEx: 1, RetrievePropertiesEx: 2 });
  const afterDeletion = (await events(name)).slice(20_010);
  assert.deepEqual(statuses(afterDeletion), [`${deleted.instanceId}:DELETED`]);
  await poll();
  assert.equal((await events(name)).length, 20_011, 'DELETED once');

  const metrics = bridge.metrics.registry;
  assert.match(await metrics.getSingleMetricAsString('dcm_bridge_polls_total'), new RegExp(`endpoint="${name}",kind="incremental"} 3`));
  console.log(`# 100k VMs / 20k managed over vim25 through the bridge: full poll ${fullMs} ms (1,000 WaitForUpdatesEx + CreateFilter), steady incremental poll with 10 changes ${steadyMs} ms (1 request)`);
});

test('a cursor vCenter cannot take (its session ended) and a restart each give one full listing in the same poll: every transition once, none lost', { timeout: 120_000 }, async () => {
  lab.simulator.reset();
  const seeded = lab.simulator.seedDcmVms({ count: 300, tagged: 200, via: 'customAttribute' });
  const name = 'vc-vim-inc-reset';
  const first = await startVsphereBridge(harness(), [{ lab, input: { name, apiFlavor: 'vim' } }], { maxObjects: 1000 });
  const pollWith = async (bridge: typeof first.bridge) => {
    const report = await bridge.runOnce();
    assert.ok(report.ok, JSON.stringify(report.endpoints));
  };
  await pollWith(first.bridge);
  assert.equal((await first.events(name)).length, 200);

  // The session (and the filter with it) ends between polls while two VMs change.
  lab.simulator.inventory.setPowerState(seeded[0]!.vmId, 'POWERED_OFF');
  lab.simulator.inventory.setPowerState(seeded[1]!.vmId, 'SUSPENDED');
  lab.simulator.expireAllSessions();
  lab.simulator.resetStats();
  await pollWith(first.bridge);
  const rejected = operations();
  assert.equal(rejected['Login'], 1, 'logged in again');
  assert.equal(rejected['CreateFilter'], 1, 'a new filter for the full listing');
  assert.equal(rejected['WaitForUpdatesEx'], 1 + 3, 'the refused version, then the initial set of 300 VMs');
  assert.deepEqual(statuses((await first.events(name)).slice(200)), [`${seeded[0]!.instanceId}:STOPPED`, `${seeded[1]!.instanceId}:PAUSED`]);
  assert.match(await first.bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_cursor_resets_total'), new RegExp(`endpoint="${name}",reason="rejected"} 1`));

  // A restart: the stored cursor names the old process's filter; the new bridge lists in full once.
  await first.bridge.stop();
  lab.simulator.inventory.setPowerState(seeded[2]!.vmId, 'POWERED_OFF');
  const adapters = createAdapterRegistry([createVsphereAdapter({ maxObjects: 1000 })]);
  const second = await harness().bridge(first.config, { adapters, clock: createSkippingClock() });
  lab.simulator.resetStats();
  await pollWith(second);
  assert.equal(operations()['CreateFilter'], 1);
  assert.deepEqual(statuses((await first.events(name)).slice(202)), [`${seeded[2]!.instanceId}:STOPPED`]);
  lab.simulator.inventory.setPowerState(seeded[3]!.vmId, 'POWERED_OFF');
  lab.simulator.resetStats();
  await pollWith(second);
  assert.deepEqual(operations(), { WaitForUpdatesEx: 1 }, 'incremental again from the new filter');
  const all = await first.events(name);
  assert.deepEqual(statuses(all.slice(203)), [`${seeded[3]!.instanceId}:STOPPED`]);
  assert.equal(new Set(all.map((message) => message.event.id)).size, all.length, 'no event twice');
});
