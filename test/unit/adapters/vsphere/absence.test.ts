// confirmAbsence of the vSphere adapter against the vCenter simulator: every verdict for the
// right reason, the request budget, and "a missing or undocumented answer is never `gone`".
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AbsenceFinding } from '../../../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../../../src/errors/index.js';
import { connectVsphere, listAll, startVsphereLab, type LabConnection, type VsphereLab } from '../../../support/vsphere-lab.js';

let lab: VsphereLab;
before(async () => {
  lab = await startVsphereLab();
});
after(() => lab.close());
beforeEach(() => lab.simulator.reset());

const signal = (): AbortSignal => new AbortController().signal;

/** Requests since the last resetStats, by kind. */
function requests(apiFlavor: 'api' | 'rest'): { total: number; vmLists: number; vmGets: number; tagsOnObjects: number; tagsForCategory: number } {
  const byRoute = lab.simulator.stats().byRoute;
  const tagging = apiFlavor === 'api' ? '/api/cis/tagging' : '/rest/com/vmware/cis/tagging';
  const count = (route: string): number => byRoute[route] ?? 0;
  return {
    total: lab.simulator.stats().total,
    vmLists: count(`GET /${apiFlavor}/vcenter/vm`),
    vmGets: count(`GET /${apiFlavor}/vcenter/vm/{vm}`),
    tagsOnObjects: count(`POST ${tagging}/tag-association?${apiFlavor === 'api' ? 'action' : '~action'}=list-attached-tags-on-objects`),
    tagsForCategory: count(apiFlavor === 'api' ? `POST ${tagging}/tag?action=list-tags-for-category` : `POST ${tagging}/tag/id:{category_id}?~action=list-tags-for-category`),
  };
}

/** A connection whose caches are warm, as they are when the core asks right after a complete list. */
async function warmConnection(apiFlavor: 'api' | 'rest', options: Parameters<typeof connectVsphere>[1] = {}): Promise<LabConnection> {
  const connection = connectVsphere(lab.endpointInput({ apiFlavor }), options);
  await listAll(connection.connection);
  lab.simulator.resetStats();
  return connection;
}

const verdicts = (findings: ReadonlyMap<string, AbsenceFinding>): Record<string, string> => Object.fromEntries([...findings].map(([id, finding]) => [id, finding.verdict]));

for (const apiFlavor of ['api', 'rest'] as const) {
  describe(`/${apiFlavor}`, () => {
    test('each verdict for its reason: deleted and unregistered → gone; hidden → unknown; retagged → unmanaged; still tagged → present', async () => {
      lab.simulator.seedDcmVms({ count: 8, tagged: 8 });
      const { connection } = await warmConnection(apiFlavor);
      lab.simulator.inventory.removeVm('vm-1001');
      lab.simulator.inventory.unregisterVm('vm-1002');
      lab.simulator.account.setVisible(['vm-1003'], false);
      lab.simulator.inventory.untagVm('vm-1004', { category: 'managed-by', tag: 'dcm' });
      lab.simulator.inventory.untagVm('vm-1004', { category: 'dcm-instance-id', tag: 'inst-00004' });
      lab.simulator.inventory.untagVm('vm-1005', { category: 'dcm-instance-id', tag: 'inst-00005' });
      lab.simulator.inventory.untagVm('vm-1006', { category: 'managed-by', tag: 'dcm' });

      const findings = await connection.confirmAbsence(['vm-1001', 'vm-1002', 'vm-1003', 'vm-1004', 'vm-1005', 'vm-1006', 'vm-1007', 'vm-4242'], signal());
      assert.deepEqual(verdicts(findings), {
        'vm-1001': 'gone',
        'vm-1002': 'gone',
        'vm-1003': 'unknown',
        'vm-1004': 'unmanaged',
        'vm-1005': 'unmanaged',
        'vm-1006': 'unmanaged',
        'vm-1007': 'present',
        'vm-4242': 'gone',
      });
      assert.equal(findings.get('vm-1001')?.evidence, 'GET /vcenter/vm/vm-1001 answered 404 not_found');
      assert.equal(findings.get('vm-1002')?.evidence, 'GET /vcenter/vm/vm-1002 answered 404 not_found');
      assert.equal(findings.get('vm-1003')?.evidence, 'GET /vcenter/vm/vm-1003 answered 403: the account may not read this VM (permissions changed?)');
      assert.equal(findings.get('vm-1004')?.evidence, 'exists but no longer carries the managed-by tag (retagged)');
      assert.equal(findings.get('vm-1005')?.evidence, 'exists and carries the managed-by tag but no instance-id tag (retagged)');
      assert.equal(findings.get('vm-1007')?.evidence, 'exists and still carries the managed-by tag and instance id inst-00007');

      // Budget: one VM list for all 8, one lookup per id it did not return (4), the selector tags (1), one tag call for the 4 that exist.
      assert.deepEqual(requests(apiFlavor), { total: 7, vmLists: 1, vmGets: 4, tagsOnObjects: 1, tagsForCategory: 1 });
      await connection.close();
    });

    test('budget at scale: 2,500 ids (2,000 still there, 500 deleted) → 3 VM lists + 500 lookups + 1 + 2 tag calls', async () => {
      lab.simulator.seedDcmVms({ count: 2500, tagged: 2500 });
      const { connection } = await warmConnection(apiFlavor);
      const ids = Array.from({ length: 2500 }, (_, index) => `vm-${1001 + index}`);
      for (const id of ids.slice(2000)) lab.simulator.inventory.removeVm(id);
      for (const id of ids.slice(0, 1000)) lab.simulator.inventory.untagVm(id, { category: 'managed-by', tag: 'dcm' });

      const findings = await connection.confirmAbsence(ids, signal());
      const counts = { gone: 0, present: 0, unmanaged: 0, unknown: 0 };
      for (const finding of findings.values()) counts[finding.verdict] += 1;
      assert.deepEqual(counts, { gone: 500, present: 1000, unmanaged: 1000, unknown: 0 });
      const spent = requests(apiFlavor);
      console.log(`/${apiFlavor} confirmAbsence of 2,500 ids (2,000 exist, 500 deleted): ${spent.total} requests (${spent.vmLists} VM lists, ${spent.vmGets} single-VM lookups, ${spent.tagsForCategory + spent.tagsOnObjects} tagging)`);
      assert.deepEqual(spent, { total: 506, vmLists: 3, vmGets: 500, tagsOnObjects: 2, tagsForCategory: 1 });
      await connection.close();
    });

    test('a missing or undocumented answer is never gone: 503, a 404 without not_found, HTML, a failed tag call → unknown', async () => {
      lab.simulator.seedDcmVms({ count: 6, tagged: 6 });
      const { connection } = await warmConnection(apiFlavor);
      for (const id of ['vm-1001', 'vm-1002', 'vm-1003']) lab.simulator.inventory.removeVm(id);
      const vmGet = `GET /${apiFlavor}/vcenter/vm/{vm}`;

      lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { route: vmGet } }]);
      let findings = await connection.confirmAbsence(['vm-1001', 'vm-1004'], signal());
      assert.deepEqual(verdicts(findings), { 'vm-1001': 'unknown', 'vm-1004': 'present' });
      assert.equal(findings.get('vm-1001')?.evidence, 'GET /vcenter/vm/vm-1001 failed: HTTP 503 SERVICE_UNAVAILABLE');

      // /rest answers a path it does not serve with operation_not_found: a 404, but not vCenter saying "no such VM".
      lab.simulator.faults.set([{ kind: 'http5xx', status: 404, scope: { route: vmGet } }]);
      findings = await connection.confirmAbsence(['vm-1002'], signal());
      if (apiFlavor === 'rest') {
        assert.deepEqual(verdicts(findings), { 'vm-1002': 'unknown' });
        assert.match(findings.get('vm-1002')?.evidence ?? '', /answered 404 without vCenter's not_found error \(HTTP 404 OPERATION_NOT_FOUND\)/);
      }

      lab.simulator.faults.clear();
      lab.simulator.malformAnswer({ route: vmGet, kind: 'html' });
      findings = await connection.confirmAbsence(['vm-1003', 'vm-1005'], signal());
      assert.deepEqual(verdicts(findings), { 'vm-1003': 'unknown', 'vm-1005': 'present' }, 'an HTML page is not vCenter saying anything');
      assert.equal(findings.get('vm-1003')?.evidence, 'GET /vcenter/vm/vm-1003 failed: PLATFORM_PAYLOAD');

      const tagCall = `POST /${apiFlavor === 'api' ? 'api/cis' : 'rest/com/vmware/cis'}/tagging/tag-association?${apiFlavor === 'api' ? 'action' : '~action'}=list-attached-tags-on-objects`;
      lab.simulator.faults.set([{ kind: 'http5xx', status: 500, scope: { route: tagCall } }]);
      findings = await connection.confirmAbsence(['vm-1003', 'vm-1006'], signal());
      assert.deepEqual(verdicts(findings), { 'vm-1003': 'gone', 'vm-1006': 'unknown' });
      assert.equal(findings.get('vm-1006')?.evidence, 'exists, but list-attached-tags-on-objects failed: HTTP 500 INTERNAL_SERVER_ERROR');
      lab.simulator.faults.clear();
      await connection.close();
    });

    test('a VM-list page that is not the documented answer: its ids are unknown, the other batches are still asked', async () => {
      lab.simulator.seedDcmVms({ count: 4, tagged: 4 });
      const { connection } = await warmConnection(apiFlavor, { vmBatchSize: 2 });
      for (const id of ['vm-1001', 'vm-1003']) lab.simulator.inventory.removeVm(id);
      lab.simulator.malformAnswer({ route: `GET /${apiFlavor}/vcenter/vm`, kind: 'dropField', field: 'vm' });
      const findings = await connection.confirmAbsence(['vm-1001', 'vm-1002', 'vm-1003', 'vm-1004'], signal());
      assert.deepEqual(verdicts(findings), { 'vm-1001': 'unknown', 'vm-1002': 'unknown', 'vm-1003': 'gone', 'vm-1004': 'present' });
      assert.equal(findings.get('vm-1001')?.evidence, 'GET /vcenter/vm?vms= failed: PLATFORM_PAYLOAD');
      assert.deepEqual(requests(apiFlavor), { total: 5, vmLists: 2, vmGets: 1, tagsOnObjects: 1, tagsForCategory: 1 });
      await connection.close();
    });

    test('throttled: the confirmation stops sending; what was not asked is unknown', async () => {
      lab.simulator.seedDcmVms({ count: 40, tagged: 40 });
      const { connection } = await warmConnection(apiFlavor, { concurrency: 2 });
      const ids = Array.from({ length: 40 }, (_, index) => `vm-${1001 + index}`);
      for (const id of ids) lab.simulator.inventory.removeVm(id);
      lab.simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 30, scope: { route: `GET /${apiFlavor}/vcenter/vm/{vm}` }, trigger: { type: 'next', count: 1 } }]);

      const findings = await connection.confirmAbsence(ids, signal());
      const spent = requests(apiFlavor);
      assert.ok(spent.vmGets <= 2, `at most the lookups in flight when the 429 came (${spent.vmGets})`);
      assert.ok([...findings.values()].every((finding) => finding.verdict !== 'gone' || finding.evidence.endsWith('404 not_found')));
      assert.equal([...findings.values()].filter((finding) => finding.verdict === 'unknown').length, 40 - (spent.vmGets - 1));
      assert.match([...findings.values()].find((finding) => finding.evidence.startsWith('not asked'))?.evidence ?? '', /^not asked: vCenter asked to slow down \(HTTP 429/);
      await connection.close();
    });

    test('a poll stopped mid-way (its time budget spent) keeps the verdicts vCenter gave; the rest are unknown, nothing throws', async () => {
      lab.simulator.seedDcmVms({ count: 20, tagged: 20 });
      const { connection } = await warmConnection(apiFlavor, { concurrency: 2 });
      const ids = Array.from({ length: 20 }, (_, index) => `vm-${1001 + index}`);
      for (const id of ids) lab.simulator.inventory.removeVm(id);
      // Each lookup takes 150 ms: two lanes answer a few before the abort at 700 ms, and most are left.
      lab.simulator.faults.set([{ kind: 'latencyMs', delayMs: 150, scope: { route: `GET /${apiFlavor}/vcenter/vm/{vm}` } }]);
      const controller = new AbortController();
      const stop = setTimeout(() => controller.abort(new BridgeError(ErrorCode.PollAborted, 'the poll ran out of time', {})), 700);
      try {
        const findings = await connection.confirmAbsence(ids, controller.signal);
        const gone = [...findings.values()].filter((finding) => finding.verdict === 'gone');
        const unknown = [...findings.values()].filter((finding) => finding.verdict === 'unknown');
        assert.equal(findings.size, 20, 'every id has a verdict');
        assert.ok(gone.length >= 1 && gone.every((finding) => finding.evidence.endsWith('404 not_found')), `the lookups answered before the abort are kept (${gone.length} gone)`);
        assert.equal(gone.length + unknown.length, 20);
        assert.ok(unknown.length >= 1 && unknown.every((finding) => /the poll was stopped/.test(finding.evidence)), unknown.map((finding) => finding.evidence).join('; '));
      } finally {
        clearTimeout(stop);
        lab.simulator.faults.clear();
        await connection.close();
      }
    });

    test('nothing answered (login refused, vCenter down) → throws; an aborted poll → POLL_ABORTED', async () => {
      lab.simulator.seedDcmVms({ count: 2, tagged: 2 });
      const refused = connectVsphere(lab.endpointInput({ apiFlavor, password: 'wrong' }));
      await assert.rejects(refused.connection.confirmAbsence(['vm-1001'], signal()), { code: ErrorCode.PlatformAuth });
      await refused.connection.close();

      const { connection } = await warmConnection(apiFlavor);
      lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { pathPrefix: `/${apiFlavor}/vcenter` } }]);
      await assert.rejects(connection.confirmAbsence(['vm-1001', 'vm-1002'], signal()), { code: ErrorCode.PlatformHttp });
      lab.simulator.faults.clear();

      const controller = new AbortController();
      controller.abort(new Error('shutting down'));
      await assert.rejects(connection.confirmAbsence(['vm-1001'], controller.signal), { code: ErrorCode.PollAborted });
      await connection.close();
    });
  });
}

test('object_ids: null for an unattached instance-id tag: the listing completes and confirmation still works', async () => {
  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  lab.simulator.quirks.nullObjectIdsForUnattachedTags = true;
  // DCM's provisioning created the tag of its next instance but has not attached it yet.
  lab.simulator.inventory.createTag(lab.simulator.inventory.findCategoryByName('dcm-instance-id')?.id ?? '', 'inst-00004');
  const { connection } = connectVsphere(lab.endpointInput());
  assert.deepEqual((await listAll(connection)).map((vm) => vm.instanceId), ['inst-00001', 'inst-00002', 'inst-00003']);
  lab.simulator.inventory.removeVm('vm-1003');
  assert.deepEqual(verdicts(await connection.confirmAbsence(['vm-1002', 'vm-1003'], signal())), { 'vm-1002': 'present', 'vm-1003': 'gone' });
  await connection.close();
});
