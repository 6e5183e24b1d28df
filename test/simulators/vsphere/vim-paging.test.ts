import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createVsphereSimulator, DEFAULT_CREDENTIALS, type SeededVm } from './index.js';
import { useSimulator } from './support.js';
import { createVmView, envelope, faultOf, login, readResult, retrieveAll, soapCall, valText, viewRetrieval, type ReadResult, type SoapAnswer } from './vim/soap-client.js';

const simulator = createVsphereSimulator();
const vcenter = useSimulator(simulator, { login: ['soap'] });
/** This test's container view of every VM, in this test's session. */
let viewId: string;

const retrieve = (maxObjects?: number, paths: readonly string[] = ['name']): string =>
  envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', viewRetrieval(viewId, paths, maxObjects));
const continueWith = (token: string): string => envelope('ContinueRetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', `<token>${token}</token>`);
/** Sends `request` to /sdk in `cookie`'s session (this test's by default). */
const sdk = (request: string, cookie: string = vcenter.cookie): Promise<SoapAnswer> => soapCall(vcenter.url, request, cookie);

/**
 * Seeds 20 VMs and reads the first page of 10; then deletes the 16th VM and powers off the 17th
 * (both on the second page) and reads the second page.
 */
async function changeBetweenPages(): Promise<{ seeded: SeededVm[]; gone: string; changed: string; second: ReadResult }> {
  const seeded = simulator.seedDcmVms({ count: 20, tagged: 0 });
  const first = readResult(await sdk(retrieve(10, ['name', 'runtime.powerState'])), 'RetrievePropertiesEx');
  const gone = seeded[15]!.vmId;
  const changed = seeded[16]!.vmId;
  simulator.inventory.removeVm(gone);
  simulator.inventory.setPowerState(changed, 'POWERED_OFF');
  const second = readResult(await sdk(continueWith(first.token ?? '')), 'ContinueRetrievePropertiesEx');
  return { seeded, gone, changed, second };
}

describe('vim25 PropertyCollector paging over a ContainerView', () => {
  beforeEach(async () => {
    viewId = await createVmView(vcenter.url, vcenter.cookie);
  });

  it('pages 2,500 VMs in 3 pages of at most 1,000 with tokens; every VM once; the last page has no token', async () => {
    const seeded = simulator.seedDcmVms({ count: 2500, tagged: 0 });
    simulator.resetStats();
    const { pages } = await retrieveAll(vcenter.url, vcenter.cookie, viewId, ['name'], 1000);
    assert.deepEqual(pages.map((page) => page.objects.length), [1000, 1000, 500]);
    assert.deepEqual(pages.map((page) => page.token !== undefined), [true, true, false]);
    assert.notEqual(pages[0]?.token, pages[1]?.token);
    const ids = pages.flatMap((page) => page.objects.map((object) => object.id));
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.deepEqual(ids, seeded.map((vm) => vm.vmId));
    assert.equal(valText(pages[2]?.objects[499]?.props.name), simulator.inventory.getVm(seeded[2499]!.vmId)?.name);
    const byRoute = simulator.stats().byRoute;
    assert.equal(byRoute['POST /sdk RetrievePropertiesEx'], 1);
    assert.equal(byRoute['POST /sdk ContinueRetrievePropertiesEx'], 2);
  });

  it('answers everything in one page without maxObjects, and no returnval at all for an empty view', async () => {
    const empty = await sdk(retrieve());
    assert.equal(empty.status, 200);
    assert.match(empty.text, /<RetrievePropertiesExResponse xmlns="urn:vim25"><\/RetrievePropertiesExResponse>/);
    assert.equal(readResult(empty, 'RetrievePropertiesEx').hasReturnval, false);
    simulator.seedDcmVms({ count: 1200, tagged: 0 });
    const all = readResult(await sdk(retrieve()), 'RetrievePropertiesEx');
    assert.equal(all.objects.length, 1200, 'the view reflects VMs added after it was created');
    assert.equal(all.token, undefined);
  });

  it('takes a token once, only in its session; a cancelled or unknown token is InvalidProperty', async () => {
    simulator.seedDcmVms({ count: 30, tagged: 0 });
    const first = readResult(await sdk(retrieve(10)), 'RetrievePropertiesEx');
    assert.ok(first.token);
    const other = await login(vcenter.url, DEFAULT_CREDENTIALS);
    const elsewhere = faultOf(await sdk(continueWith(first.token), other));
    assert.deepEqual([elsewhere?.type, elsewhere?.detail.name], ['InvalidProperty', 'token']);
    const second = readResult(await sdk(continueWith(first.token)), 'ContinueRetrievePropertiesEx');
    assert.equal(second.objects.length, 10);
    assert.equal(faultOf(await sdk(continueWith(first.token)))?.type, 'InvalidProperty', 'a token is good once');
    assert.ok(second.token);
    const cancel = await sdk(envelope('CancelRetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', `<token>${second.token}</token>`));
    assert.equal(cancel.status, 200);
    assert.equal(faultOf(await sdk(continueWith(second.token)))?.type, 'InvalidProperty');
    assert.equal(faultOf(await sdk(continueWith('no-such-token')))?.type, 'InvalidProperty');
  });

  it('answers NotAuthenticated mid-paging when the session ends, and the token dies with it', async () => {
    simulator.seedDcmVms({ count: 25, tagged: 0 });
    const first = readResult(await sdk(retrieve(10)), 'RetrievePropertiesEx');
    assert.ok(first.token);
    simulator.expireAllSessions();
    assert.equal(faultOf(await sdk(continueWith(first.token)))?.type, 'NotAuthenticated');
    const again = await login(vcenter.url, DEFAULT_CREDENTIALS);
    assert.equal(faultOf(await sdk(continueWith(first.token), again))?.type, 'InvalidProperty');
    assert.equal(faultOf(await sdk(retrieve(10), again))?.type, 'ManagedObjectNotFound', 'the view died with its session');
  });

  it('snapshot (default): a VM deleted between pages still shows on its page, with the values it had', async () => {
    const { gone, changed, second } = await changeBetweenPages();
    assert.equal(second.objects.length, 10);
    assert.ok(second.objects.some((object) => object.id === gone));
    assert.equal(valText(second.objects.find((object) => object.id === changed)?.props['runtime.powerState']), 'poweredOn');
  });

  it('live: later pages read the inventory again; a deleted VM is left out and values are current', async () => {
    simulator.vimSettings.pagingConsistency = 'live';
    const { seeded, gone, changed, second } = await changeBetweenPages();
    assert.deepEqual(second.objects.map((object) => object.id), seeded.slice(10).map((vm) => vm.vmId).filter((id) => id !== gone));
    assert.equal(second.token, undefined);
    assert.equal(valText(second.objects.find((object) => object.id === changed)?.props['runtime.powerState']), 'poweredOff');
  });

  it('refuses maxObjects that is not a positive integer with InvalidArgument', async () => {
    const fault = faultOf(await sdk(retrieve(0)));
    assert.deepEqual([fault?.type, fault?.detail.invalidProperty], ['InvalidArgument', 'maxObjects']);
  });

  it('destroys a view: DestroyView, then the view is ManagedObjectNotFound', async () => {
    assert.equal((await sdk(envelope('DestroyView', 'ContainerView', viewId))).status, 200);
    const fault = faultOf(await sdk(retrieve()));
    assert.equal(fault?.type, 'ManagedObjectNotFound');
    assert.deepEqual(fault?.detail.obj, { '#text': viewId, '@_type': 'ContainerView' });
  });
});
