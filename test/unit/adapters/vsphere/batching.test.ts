import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectVsphere, listAll, listPages, startVsphereLab, type VsphereLab } from '../../../support/vsphere-lab.js';

let lab: VsphereLab;
before(async () => {
  // Like vCenter 6.5: a list call matching more than 1,000 VMs is refused, so a bigger batch would fail the poll.
  lab = await startVsphereLab({ simulator: { maxVmListResults: 1000, acceptCommaSeparatedFilters: false } });
});
after(() => lab.close());

/** Requests of the last poll by kind, from the simulator's counters. */
function requestsByKind(): { total: number; sessions: number; tagging: number; vmList: number } {
  const stats = lab.simulator.stats();
  const sum = (pattern: RegExp): number => Object.entries(stats.byRoute).reduce((total, [route, count]) => total + (pattern.test(route) ? count : 0), 0);
  return { total: stats.total, sessions: sum(/session/), tagging: sum(/tagging/), vmList: sum(/^GET \/(api|rest)\/vcenter\/vm$/) };
}

for (const apiFlavor of ['api', 'rest'] as const) {
  test(`/${apiFlavor}: 10,000 tagged VMs in ≤1,000-id pages; warm polls cost 1 + ceil((N+1)/1000) tag calls + ceil(N/1000) VM lists`, async () => {
    const tagged = 10_000;
    lab.simulator.reset();
    lab.simulator.seedDcmVms({ count: tagged + 500, tagged });
    const { connection, requests } = connectVsphere(lab.endpointInput({ apiFlavor }));

    const cold = await listPages(connection);
    const coldRequests = requestsByKind();
    assert.equal(cold.flat().length, tagged);
    assert.ok(cold.every((page) => page.length <= 1000));
    assert.equal(new Set(cold.flat().map((vm) => vm.instanceId)).size, tagged, 'every VM has its own instance id');
    assert.equal(requests.length, coldRequests.total, 'the onRequest hook saw every request');

    lab.simulator.resetStats();
    const warm = await listPages(connection);
    const warmRequests = requestsByKind();
    assert.equal(warm.length, Math.ceil(tagged / 1000));
    const vmLists = Math.ceil(tagged / 1000);
    const tagLookups = 1 + Math.ceil((tagged + 1) / 1000);
    console.log(`/${apiFlavor} ${tagged} tagged VMs (+500 untagged): first poll ${coldRequests.total} requests (${coldRequests.tagging} tagging, ${coldRequests.vmList} VM lists, ${coldRequests.sessions} login); ` +
      `each later poll ${warmRequests.total} requests (${warmRequests.tagging} tagging, ${warmRequests.vmList} VM lists, ${warmRequests.sessions} session)`);
    assert.equal(warmRequests.vmList, vmLists);
    assert.equal(warmRequests.tagging, tagLookups);
    assert.equal(warmRequests.sessions, 0);
    assert.ok(warmRequests.total <= tagLookups + vmLists);

    // Five new instances cost five tag-name lookups on the next poll, nothing else extra.
    lab.simulator.seedDcmVms({ count: 5, tagged: 5 });
    lab.simulator.resetStats();
    assert.equal((await listAll(connection)).length, tagged + 5);
    const grown = requestsByKind();
    assert.equal(grown.total, tagLookups + 5 + Math.ceil((tagged + 5) / 1000));
    await connection.close();
  });
}

test('a first poll failing half-way through the tag names keeps what it fetched; the next poll fetches only the rest', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 1000, tagged: 1000 });
  const { connection } = connectVsphere(lab.endpointInput());
  const tagRoute = 'GET /api/cis/tagging/tag/{tag_id}';
  lab.simulator.faults.set([{ kind: 'http5xx', status: 503, scope: { route: tagRoute }, trigger: { type: 'probability', probability: 0.002 } }]);
  await assert.rejects(listAll(connection), { code: 'PLATFORM_HTTP' });
  const firstAttempt = lab.simulator.stats().byRoute[tagRoute] ?? 0;
  lab.simulator.faults.clear();
  lab.simulator.resetStats();
  assert.equal((await listAll(connection)).length, 1000);
  const secondAttempt = lab.simulator.stats().byRoute[tagRoute] ?? 0;
  console.log(`tag names: ${firstAttempt} lookups before the failure, ${secondAttempt} on the next poll (1001 tags)`);
  assert.ok(firstAttempt > 8 && secondAttempt < 1001 - 8, 'most of the first attempt was kept');
  assert.ok(firstAttempt + secondAttempt <= 1001 + 8, 'at most the lookups in flight at the failure are repeated');
  await connection.close();
});
