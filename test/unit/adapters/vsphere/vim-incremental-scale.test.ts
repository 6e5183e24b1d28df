// Issue #14, must-show 2 at the adapter: 100,000 VMs of which 20,000 carry managed-by=dcm. After
// the full listing (a new filter's initial update set), 10 managed VMs change and one managed VM
// is deleted: the next incremental listing costs one WaitForUpdatesEx (<= 2 requests), yields
// exactly those 10 with their new states, and puts the deleted VM in `departed`, which
// confirmAbsence then finds gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drainChanges } from '../../../support/adapter-lab.js';
import { soapOperations, useVsphereLab } from '../../../support/vsphere-lab.js';

const lab = useVsphereLab();
const sdkRequests = (): Record<string, number> => soapOperations(lab.simulator);

test('100,000 VMs, 20,000 managed: 10 changed and 1 deleted between polls cost one WaitForUpdatesEx, which yields exactly those 10 and departs the deleted one', { timeout: 600_000 }, async () => {
  const seeded = lab.simulator.seedDcmVms({ count: 100_000, tagged: 20_000, via: 'customAttribute' });
  const managed = seeded.slice(0, 20_000);
  const { connection } = lab.connectVim({ maxObjects: 1000, requestTimeoutMs: 30_000 });

  let started = performance.now();
  const full = await drainChanges(connection, undefined);
  const fullMs = performance.now() - started;
  const listed = full.pages.flatMap((page) => page.instances);
  assert.equal(listed.length, 20_000);
  assert.equal(new Set(listed.map((instance) => instance.instanceId)).size, 20_000);
  const fullRequests = sdkRequests();
  // 100 object updates an answer (vCenter's policy) over 100,000 VMs, one CreateFilter; login, view and field lookup once.
  assert.equal(fullRequests['WaitForUpdatesEx'], 1000);
  assert.equal(fullRequests['CreateFilter'], 1);

  const changed = managed.filter((_vm, index) => index % 2000 === 7).map((vm) => vm.vmId);
  assert.equal(changed.length, 10);
  for (const vm of changed) lab.simulator.inventory.setPowerState(vm, 'POWERED_OFF');
  const deleted = managed[12_345]!.vmId;
  lab.simulator.inventory.removeVm(deleted);
  // Changes DCM does not care about: unmanaged VMs powered off.
  for (const vm of seeded.slice(50_000, 50_020)) lab.simulator.inventory.setPowerState(vm.vmId, 'POWERED_OFF');

  lab.simulator.resetStats();
  started = performance.now();
  const steady = await drainChanges(connection, full.cursor);
  const steadyMs = performance.now() - started;
  const requests = sdkRequests();
  assert.deepEqual(requests, { WaitForUpdatesEx: 1 });
  assert.ok(Object.values(requests).reduce((sum, count) => sum + count, 0) <= 2);
  const instances = steady.pages.flatMap((page) => page.instances);
  assert.deepEqual(instances.map((instance) => instance.platformId).sort(), [...changed].sort());
  assert.ok(instances.every((instance) => instance.rawState === 'POWERED_OFF' && instance.instanceId !== undefined && instance.name !== undefined));
  assert.deepEqual(steady.pages.flatMap((page) => page.departed), [deleted]);
  assert.notEqual(steady.cursor, full.cursor);

  const findings = await connection.confirmAbsence([deleted], new AbortController().signal);
  assert.equal(findings.get(deleted)?.verdict, 'gone');

  lab.simulator.resetStats();
  const quiet = await drainChanges(connection, steady.cursor);
  assert.deepEqual(quiet.pages.flatMap((page) => page.instances), []);
  assert.deepEqual(sdkRequests(), { WaitForUpdatesEx: 1 });
  console.log(`# 100k VMs / 20k managed over vim25 WaitForUpdatesEx: full listing ${fullMs.toFixed(0)} ms (${fullRequests['WaitForUpdatesEx']} WaitForUpdatesEx + CreateFilter), incremental with 10 changes ${steadyMs.toFixed(0)} ms (1 request)`);
});
