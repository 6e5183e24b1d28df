// Issue #13, must-show 1: 100,000 VMs of which 20,000 carry managed-by=dcm, through the whole
// bridge (vim25 over SOAP against the simulator, real Redis and NATS JetStream). The first poll
// costs ceil(100000 / maxObjects) property pages plus RetrieveServiceContent, Login,
// CreateContainerView and the custom field lookup; a warm poll the pages alone and no login;
// DCM receives exactly the 20,000 managed VMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useHarness } from '../support/harness.js';
import { startVsphereBridge } from '../support/vsphere-bridge.js';
import { soapOperations, useVsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
const vmCount = 100_000;
const managed = 20_000;
const maxObjects = 1000;
const name = 'vc-vim-100k';
const lab = useVsphereLab({ seed: (simulator) => simulator.seedDcmVms({ count: vmCount, tagged: managed, via: 'customAttribute' }) });

/** The SOAP operations of the last poll, by name, with the property requests (first and continued pages) summed. */
function requests(): { pages: number; byOperation: Record<string, number> } {
  const byOperation = soapOperations(lab.simulator);
  return { pages: (byOperation['RetrievePropertiesEx'] ?? 0) + (byOperation['ContinueRetrievePropertiesEx'] ?? 0), byOperation };
}

test('100,000 VMs, 20,000 managed: first poll = pages + service content, login, view and field lookup; warm poll = pages, no login; 20,000 events', { timeout: 600_000 }, async () => {
  // Full listings every poll (diff.fullListSeconds 0): the RetrievePropertiesEx budget; vsphere-vim-incremental.test.ts measures WaitForUpdatesEx.
  const { bridge, events } = await startVsphereBridge(harness(), [{ lab, input: { name, apiFlavor: 'vim' } }], { maxObjects }, { extraYaml: 'diff: { fullListSeconds: 0 }' });
  const pages = Math.ceil(vmCount / maxObjects);

  lab.simulator.resetStats();
  let started = Date.now();
  const first = await bridge.runOnce();
  const firstMs = Date.now() - started;
  assert.ok(first.ok, JSON.stringify(first.endpoints));
  const cold = requests();
  // One RetrievePropertiesEx of CustomFieldsManager.field besides the listing's pages.
  assert.equal(cold.pages, pages + 1, JSON.stringify(cold.byOperation));
  assert.deepEqual(cold.byOperation, { RetrieveServiceContent: 1, Login: 1, CreateContainerView: 1, RetrievePropertiesEx: 2, ContinueRetrievePropertiesEx: pages - 1 });

  const received = await events(name);
  assert.equal(received.length, managed);
  assert.equal(new Set(received.map((message) => message.event.data.id)).size, managed, 'one event per managed VM');
  assert.ok(received.every((message) => message.event.data.status === 'RUNNING'));

  lab.simulator.resetStats();
  started = Date.now();
  const warm = await bridge.runOnce();
  const warmMs = Date.now() - started;
  assert.ok(warm.ok, JSON.stringify(warm.endpoints));
  const steady = requests();
  assert.equal(steady.pages, pages);
  assert.deepEqual(steady.byOperation, { RetrievePropertiesEx: 1, ContinueRetrievePropertiesEx: pages - 1 }, 'no login, no view, no field lookup');
  assert.equal((await events(name)).length, managed, 'nothing new for unchanged VMs');
  // Figures for the README (not asserted: the machine is shared).
  console.log(`# 100k VMs / 20k managed over vim25: first poll ${firstMs} ms, warm poll ${warmMs} ms, ${pages} property requests a poll`);
});
