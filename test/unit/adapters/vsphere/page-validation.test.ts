// A listing page that is not vCenter's documented answer fails the listing with an error naming
// the problem; it never ends the listing early or drops an instance silently.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawInstance } from '../../../../src/adapter/index.js';
import { ErrorCode, isBridgeError, type BridgeError } from '../../../../src/errors/index.js';
import type { MalformedAnswerSpec } from '../../../simulators/vsphere/index.js';
import { connectVsphere, listAll, startVsphereLab, type LabConnection, type VsphereLab } from '../../../support/vsphere-lab.js';

const vmCount = 25;
let lab: VsphereLab;
before(async () => {
  lab = await startVsphereLab();
  lab.simulator.seedDcmVms({ count: vmCount, tagged: vmCount });
});
after(() => lab.close());

/** Lists with `spec` armed; returns the pages read before the failure and the failure. */
async function listWith(connection: LabConnection, spec: MalformedAnswerSpec): Promise<{ pages: (readonly RawInstance[])[]; error: BridgeError }> {
  lab.simulator.malformAnswer(spec);
  const pages: (readonly RawInstance[])[] = [];
  try {
    for await (const page of connection.connection.list(new AbortController().signal)) pages.push(page);
  } catch (error) {
    assert.ok(isBridgeError(error), `a BridgeError, got ${String(error)}`);
    return { pages, error };
  }
  assert.fail(`the listing ended normally with ${pages.flat().length} of ${vmCount} VMs despite a ${spec.kind} answer`);
}

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`/${apiFlavor}`, () => {
    const vmList = `GET /${apiFlavor}/vcenter/vm`;
    const associations = `POST /${apiFlavor === 'api' ? 'api/cis' : 'rest/com/vmware/cis'}/tagging/tag-association?${apiFlavor === 'api' ? 'action' : '~action'}=list-attached-objects-on-tags`;
    // Page 2 of 3 (10 VMs a page), so a page was already yielded when the bad one comes.
    const cases: { spec: MalformedAnswerSpec; message: RegExp }[] = [
      { spec: { route: vmList, skip: 1, kind: 'html' }, message: /GET \/(api|rest)\/vcenter\/vm answered HTTP 200 with a body that is not valid JSON/ },
      { spec: { route: vmList, skip: 1, kind: 'empty' }, message: /GET \/(api|rest)\/vcenter\/vm answered an unexpected payload: the answer is empty$/ },
      { spec: { route: vmList, skip: 1, kind: 'textPlain' }, message: /GET \/(api|rest)\/vcenter\/vm answered an unexpected payload: the answer's content type is "text\/plain", not application\/json$/ },
      { spec: { route: vmList, skip: 1, kind: 'dropField', field: 'vm' }, message: /answered an unexpected payload: VM \[0\]\.vm is missing$/ },
      { spec: { route: vmList, skip: 1, kind: 'dropField', field: 'power_state' }, message: /answered an unexpected payload: VM \[0\] \(vm-1011\)\.power_state is missing$/ },
      { spec: { route: vmList, skip: 1, kind: 'dropField', field: 'name' }, message: /answered an unexpected payload: VM \[0\] \(vm-1011\)\.name is missing$/ },
    ];

    let connection: LabConnection;
    before(async () => {
      connection = connectVsphere(lab.endpointInput({ apiFlavor }), { vmBatchSize: 10 });
      assert.equal((await listAll(connection.connection)).length, vmCount);
    });
    after(() => connection.connection.close());

    for (const { spec, message } of cases) {
      test(`page 2 ${spec.kind}${spec.field ? ` ${spec.field}` : ''} → PLATFORM_PAYLOAD naming the endpoint, the call and the problem; the next poll is whole`, async () => {
        const { pages, error } = await listWith(connection, spec);
        assert.equal(pages.length, 1, 'page 1 was yielded, page 2 threw');
        assert.equal(error.code, ErrorCode.PlatformPayload);
        assert.match(error.message, new RegExp(`^vsphere endpoint vc-lab: GET /${apiFlavor}/vcenter/vm `));
        assert.match(error.message, message);
        assert.equal((await listAll(connection.connection)).length, vmCount);
      });
    }

    test('an association answer without a tag_id or with a VM entry without its id fails the listing before any page', async () => {
      for (const field of ['tag_id', 'object_ids']) {
        const { pages, error } = await listWith(connection, { route: associations, kind: 'dropField', field });
        assert.equal(pages.length, 0);
        assert.equal(error.code, ErrorCode.PlatformPayload);
        assert.match(error.message, field === 'tag_id' ? /association \[0\]\.tag_id is missing$/ : /association \[0\]\.object_ids is not a list$/);
      }
      const { error } = await listWith(connection, { route: associations, kind: 'textPlain' });
      assert.match(error.message, /tag-association answered an unexpected payload: the answer's content type is "text\/plain"/);
      assert.equal((await listAll(connection.connection)).length, vmCount);
    });
  });
}
