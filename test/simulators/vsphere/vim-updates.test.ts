import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { useSimulator } from './support.js';
import { createViewFilter, createVmView, customValues, envelope, faultOf, login, readUpdateSet, soapCall, valText, waitForUpdates, waitThrough } from './vim/soap-client.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator);

const paths = ['name', 'runtime.powerState', 'runtime.connectionState', 'customValue'] as const;

/** A session with a view and a filter over it for `paths`. */
async function filterSession(): Promise<{ cookie: string; filter: string }> {
  const cookie = await login(vcenter.url, DEFAULT_CREDENTIALS);
  const view = await createVmView(vcenter.url, cookie);
  return { cookie, filter: await createViewFilter(vcenter.url, cookie, view, paths) };
}

describe('vim25 PropertyCollector change detection (CreateFilter, WaitForUpdatesEx)', () => {
  it('answers the initial version with every VM entering, in parts capped by the policy limit of 100 and by maxObjectUpdates', async () => {
    const seeded = simulator.seedDcmVms({ count: 250, tagged: 20, via: 'customAttribute' });
    const { cookie, filter } = await filterSession();
    simulator.resetStats();
    const capped = await waitThrough(vcenter.url, cookie, '', 1000);
    assert.deepEqual(capped.parts.map((part) => [part.updates.length, part.truncated]), [[100, true], [100, true], [50, false]]);
    const entered = capped.parts.flatMap((part) => part.updates);
    assert.deepEqual(entered.map((update) => update.id), seeded.map((vm) => vm.vmId), 'every VM once, in order');
    assert.ok(entered.every((update) => update.kind === 'enter' && update.filter === filter));
    assert.deepEqual(Object.keys(entered[0]!.changes).sort(), [...paths].sort(), 'enter carries every asked property');
    assert.ok(Object.values(entered[0]!.changes).every((change) => change.op === 'assign'));
    assert.equal(valText(entered[0]!.changes['runtime.powerState']?.val), 'poweredOn');
    assert.equal(customValues(entered[0]!.changes.customValue?.val)[String(simulator.inventory.findCustomField('dcm-instance-id')?.key)], seeded[0]!.instanceId);
    assert.equal(simulator.stats().byRoute['POST /sdk WaitForUpdatesEx'], 3);

    const other = await filterSession();
    const small = await waitThrough(vcenter.url, other.cookie, '', 40);
    assert.deepEqual(small.parts.map((part) => part.updates.length), [40, 40, 40, 40, 40, 40, 10], 'maxObjectUpdates below the policy limit');

    const quiet = readUpdateSet(await soapCall(vcenter.url, waitForUpdates(capped.version, 1000), cookie));
    assert.deepEqual(quiet, { version: undefined, truncated: false, updates: [] }, 'no change: no returnval');
  });

  it('reports only what changed since a version: modify with the changed properties alone, enter for a new VM, leave for a deleted or hidden one', async () => {
    const seeded = simulator.seedDcmVms({ count: 6, tagged: 4, via: 'customAttribute' });
    const { cookie } = await filterSession();
    const { version } = await waitThrough(vcenter.url, cookie, '');
    const [a, b, c, d, e, f] = seeded.map((vm) => vm.vmId) as [string, string, string, string, string, string];
    simulator.inventory.setPowerState(a, 'POWERED_OFF');
    simulator.inventory.setCustomValue(b, 'managed-by', '');
    simulator.inventory.renameVm(c, 'renamed');
    simulator.inventory.removeVm(d);
    simulator.account.setVisible([e], false);
    simulator.inventory.setPowerState(f, 'POWERED_ON'); // already on: no change to report
    const added = simulator.inventory.addVm({ name: 'new-vm' });

    const { parts, version: next } = await waitThrough(vcenter.url, cookie, version);
    const updates = parts.flatMap((part) => part.updates);
    const byId = new Map(updates.map((update) => [update.id, update]));
    assert.equal(updates.length, 6);
    assert.deepEqual(Object.keys(byId.get(a)!.changes), ['runtime.powerState']);
    assert.equal(valText(byId.get(a)!.changes['runtime.powerState']?.val), 'poweredOff');
    assert.deepEqual([byId.get(b)!.kind, Object.keys(byId.get(b)!.changes)], ['modify', ['customValue']]);
    assert.equal(customValues(byId.get(b)!.changes.customValue?.val)[String(simulator.inventory.findCustomField('managed-by')?.key)], undefined, 'the whole new value');
    assert.deepEqual([byId.get(c)!.kind, Object.keys(byId.get(c)!.changes)], ['modify', ['name']]);
    assert.equal(byId.get(d)?.kind, 'leave');
    assert.equal(byId.get(e)?.kind, 'leave', 'hidden from the account: out of the view');
    assert.deepEqual([byId.get(added.id)?.kind, Object.keys(byId.get(added.id)!.changes).length], ['enter', 4]);
    assert.ok(!byId.has(f));
    assert.notEqual(next, version);

    simulator.account.setVisible([e], true);
    const back = (await waitThrough(vcenter.url, cookie, next)).parts.flatMap((part) => part.updates);
    assert.deepEqual(back.map((update) => [update.id, update.kind]), [[e, 'enter']]);
  });

  it('takes the last version and the one before it again, a truncated version once, and answers InvalidCollectorVersion to anything else', async () => {
    const seeded = simulator.seedDcmVms({ count: 5, tagged: 5, via: 'customAttribute' });
    const { cookie } = await filterSession();
    const v1 = (await waitThrough(vcenter.url, cookie, '')).version;
    simulator.inventory.setPowerState(seeded[0]!.vmId, 'POWERED_OFF');
    const first = await waitThrough(vcenter.url, cookie, v1);
    const v2 = first.version;
    // The answer "was lost": the client asks again from v1 and gets the same change.
    const again = await waitThrough(vcenter.url, cookie, v1);
    assert.deepEqual(again.parts.flatMap((part) => part.updates.map((update) => update.id)), [seeded[0]!.vmId]);
    const v3 = again.version;
    assert.equal(readUpdateSet(await soapCall(vcenter.url, waitForUpdates(v3), cookie)).version, undefined, 'nothing since v3');
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates(v2), cookie))?.type, 'InvalidCollectorVersion', 'v2 was superseded');
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates('no-such-version'), cookie))?.type, 'InvalidCollectorVersion');

    for (const vm of seeded) simulator.inventory.renameVm(vm.vmId, `${vm.vmId}-x`);
    const part = readUpdateSet(await soapCall(vcenter.url, waitForUpdates(v3, 2), cookie));
    assert.equal(part.truncated, true);
    const rest = readUpdateSet(await soapCall(vcenter.url, waitForUpdates(part.version!, 2), cookie));
    assert.equal(rest.updates.length, 2);
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates(part.version!, 2), cookie))?.type, 'InvalidCollectorVersion', 'a truncated version is good once');

    const elsewhere = await filterSession();
    await waitThrough(vcenter.url, elsewhere.cookie, '');
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates(v3), elsewhere.cookie))?.type, 'InvalidCollectorVersion', "another session's version");
    const fault = faultOf(await soapCall(vcenter.url, envelope('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '<version></version><options><maxWaitSeconds>0</maxWaitSeconds><maxObjectUpdates>0</maxObjectUpdates></options>'), cookie));
    assert.deepEqual([fault?.type, fault?.detail.invalidProperty], ['InvalidArgument', 'maxObjectUpdates']);
  });

  it('keeps filters per session: they die with it, DestroyPropertyFilter ends one, and a filter over an unknown path is refused when created', async () => {
    const seeded = simulator.seedDcmVms({ count: 3, tagged: 3, via: 'customAttribute' });
    const { cookie, filter } = await filterSession();
    const version = (await waitThrough(vcenter.url, cookie, '')).version;
    simulator.expireAllSessions();
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates(version), cookie))?.type, 'NotAuthenticated');
    const fresh = await login(vcenter.url, DEFAULT_CREDENTIALS);
    assert.equal(faultOf(await soapCall(vcenter.url, waitForUpdates(version), fresh))?.type, 'InvalidCollectorVersion', 'versions die with their session');
    assert.equal(faultOf(await soapCall(vcenter.url, envelope('DestroyPropertyFilter', 'PropertyFilter', filter), fresh))?.type, 'ManagedObjectNotFound', 'so do filters');

    const { cookie: live, filter: mine } = await filterSession();
    const v = (await waitThrough(vcenter.url, live, '')).version;
    assert.equal((await soapCall(vcenter.url, envelope('DestroyPropertyFilter', 'PropertyFilter', mine), live)).status, 200);
    simulator.inventory.setPowerState(seeded[0]!.vmId, 'POWERED_OFF');
    assert.equal(readUpdateSet(await soapCall(vcenter.url, waitForUpdates(v), live)).version, undefined, 'a destroyed filter reports nothing');
    assert.equal(faultOf(await soapCall(vcenter.url, envelope('DestroyPropertyFilter', 'PropertyFilter', mine), live))?.type, 'ManagedObjectNotFound');

    const view = await createVmView(vcenter.url, live);
    const refused = faultOf(await soapCall(vcenter.url, envelope('CreateFilter', 'PropertyCollector', 'propertyCollector', `<spec><propSet><type>VirtualMachine</type><pathSet>config.nope</pathSet></propSet><objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><type>ContainerView</type><path>view</path></selectSet></objectSet></spec><partialUpdates>false</partialUpdates>`), live));
    assert.deepEqual([refused?.type, refused?.detail.name], ['InvalidProperty', 'config.nope']);
    const waiting = faultOf(await soapCall(vcenter.url, envelope('WaitForUpdatesEx', 'PropertyCollector', 'propertyCollector', '<version></version>'), live));
    assert.equal(waiting?.type, 'NotSupported', 'waiting (no maxWaitSeconds) is not modelled, and says so');
  });

  it('finds 10 changes among 100,000 VMs in one WaitForUpdatesEx', async () => {
    const seeded = simulator.seedDcmVms({ count: 100_000, tagged: 20_000, via: 'customAttribute' });
    const { cookie } = await filterSession();
    const started = performance.now();
    const initial = await waitThrough(vcenter.url, cookie, '', 1000);
    const initialMs = performance.now() - started;
    assert.equal(initial.parts.length, 1000, 'the policy limit of 100 per answer');
    assert.equal(initial.parts.reduce((sum, part) => sum + part.updates.length, 0), 100_000);
    const changed = seeded.slice(0, 20_000).filter((_vm, index) => index % 2000 === 0).map((vm) => vm.vmId);
    for (const vm of changed) simulator.inventory.setPowerState(vm, 'SUSPENDED');
    simulator.resetStats();
    const steadyStart = performance.now();
    const steady = await waitThrough(vcenter.url, cookie, initial.version);
    const steadyMs = performance.now() - steadyStart;
    assert.deepEqual(steady.parts.flatMap((part) => part.updates.map((update) => update.id)), changed);
    assert.equal(simulator.stats().byRoute['POST /sdk WaitForUpdatesEx'], 1);
    console.log(`100,000 VMs: initial set ${initialMs.toFixed(0)} ms (1,000 parts), 10 changes found in ${steadyMs.toFixed(0)} ms, answer ${steady.parts[0]?.updates.length} updates`);
  });
});
