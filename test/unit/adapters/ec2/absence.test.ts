import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AbsenceFinding } from '../../../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../../../src/errors/index.js';
import { confirmInstancesAbsent, createEc2Adapter, maxIdsPerConfirmCall, type DescribeAnswer } from '../../../../adapters/ec2/index.js';
import { defaultSelector } from '../../../../src/config/index.js';
import { connectEc2, fastRetries, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll } from '../../../support/vsphere-lab.js';

const managedTags = (dcmId: string): Record<string, string> => ({ 'managed-by': 'dcm', 'dcm-instance-id': dcmId });

describe('EC2 confirmAbsence: DescribeInstances by instance-id filter, every verdict for its reason', () => {
  let lab: Ec2Lab;
  // The simulator's clock runs ahead by this much: terminated instances expire, launches age past the lag.
  let aheadMs = 0;
  // DescribeInstances calls that reached the simulator's EC2 handler (describe faults included, kit faults not).
  const calls = (): number => lab.simulator.usage().actions['DescribeInstances'] ?? 0;
  before(async () => {
    lab = await startEc2Lab({ now: () => Date.now() + aheadMs, terminatedRetentionSeconds: 60 });
  });
  after(() => lab.close());
  beforeEach(() => {
    aheadMs = 0;
    lab.simulator.reset();
  });

  test('present, gone (terminated / no longer returned), unmanaged (retagged), in one call', async () => {
    const inventory = lab.simulator.inventory;
    const running = inventory.addInstance({ tags: managedTags('inst-1') });
    const stopped = inventory.addInstance({ state: 'stopped', tags: managedTags('inst-2') });
    const shuttingDown = inventory.addInstance({ state: 'shutting-down', tags: managedTags('inst-3') });
    const terminated = inventory.addInstance({ tags: managedTags('inst-4') });
    inventory.setState(terminated.instanceId, 'terminated', { reason: 'spotTermination' });
    const terminatedUntagged = inventory.addInstance({ state: 'terminated', tags: { Name: 'old' } });
    const retagged = inventory.addInstance({ tags: { ...managedTags('inst-6'), 'managed-by': 'ops-team' } });
    const idTagRemoved = inventory.addInstance({ tags: { 'managed-by': 'dcm' } });
    const managedByRemoved = inventory.addInstance({ state: 'stopped', tags: { 'dcm-instance-id': 'inst-8' } });
    const vanished = inventory.addInstance({ tags: managedTags('inst-9') });
    inventory.removeInstance(vanished.instanceId);

    const { connection } = connectEc2(lab.endpointInput());
    const asked = [running, stopped, shuttingDown, terminated, terminatedUntagged, retagged, idTagRemoved, managedByRemoved, vanished].map((record) => record.instanceId);
    const findings = await connection.confirmAbsence(asked, new AbortController().signal);
    const expected: Record<string, AbsenceFinding> = {
      [running.instanceId]: { verdict: 'present', evidence: "state running, DCM's tags in place" },
      [stopped.instanceId]: { verdict: 'present', evidence: "state stopped (Client.UserInitiatedShutdown), DCM's tags in place" },
      [shuttingDown.instanceId]: { verdict: 'present', evidence: "state shutting-down (Client.UserInitiatedShutdown), DCM's tags in place" },
      [terminated.instanceId]: { verdict: 'gone', evidence: 'state terminated (Server.SpotInstanceTermination)' },
      [terminatedUntagged.instanceId]: { verdict: 'gone', evidence: 'state terminated (Client.UserInitiatedShutdown)' },
      [retagged.instanceId]: { verdict: 'unmanaged', evidence: 'state running, tag managed-by is now "ops-team"' },
      [idTagRemoved.instanceId]: { verdict: 'unmanaged', evidence: 'state running, tag dcm-instance-id removed' },
      [managedByRemoved.instanceId]: { verdict: 'unmanaged', evidence: 'state stopped (Client.UserInitiatedShutdown), tag managed-by removed' },
      [vanished.instanceId]: { verdict: 'gone', evidence: "DescribeInstances returned no instance for its id (terminated and past EC2's listing retention)" },
    };
    assert.deepEqual(Object.fromEntries(findings), expected);
    assert.equal(calls(), 1, '9 ids: one call');
    await connection.close();
  });

  test('a terminated instance is gone while EC2 still lists it, and still gone once it stops being returned', async () => {
    const [seeded] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1 });
    const id = seeded?.instanceId ?? '';
    lab.simulator.inventory.setState(id, 'terminated');
    const { connection } = connectEc2(lab.endpointInput());
    assert.deepEqual((await connection.confirmAbsence([id], new AbortController().signal)).get(id)?.verdict, 'gone');
    aheadMs = 61_000;
    assert.equal(lab.simulator.inventory.getInstance(id), undefined, 'past the retention EC2 no longer returns it');
    assert.deepEqual((await connection.confirmAbsence([id], new AbortController().signal)).get(id)?.verdict, 'gone');
    assert.equal(calls(), 2);
  });

  test('request budget: ceil(N / 200) calls, never more than 200 filter values per call (EC2 refuses 201)', async () => {
    const seeded = lab.simulator.seedDcmInstances({ count: 450, tagged: 450 });
    const ids = seeded.map((instance) => instance.instanceId);
    for (const id of ids.slice(0, 150)) lab.simulator.inventory.removeInstance(id);
    // A batch size above EC2's limit is clamped to it.
    const { connection } = connectEc2(lab.endpointInput(), createEc2Adapter({ ...fastRetries, confirmBatchSize: 500 }));
    const started = Date.now();
    const findings = await connection.confirmAbsence([...ids, ...ids.slice(0, 10)], new AbortController().signal);
    const tally = (verdict: string): number => [...findings.values()].filter((finding) => finding.verdict === verdict).length;
    console.log(`confirmAbsence of 450 ids: ${calls()} DescribeInstances calls (${maxIdsPerConfirmCall} ids each), ${Date.now() - started} ms; gone ${tally('gone')}, present ${tally('present')}`);
    assert.equal(calls(), 3, '200 + 200 + 50 ids');
    assert.equal(findings.size, 450, 'duplicates are asked and answered once');
    assert.equal(tally('gone'), 150);
    assert.equal(tally('present'), 300);
    assert.equal(lab.simulator.usage().errors['FilterLimitExceeded'], undefined);

    lab.simulator.resetStats();
    const small = connectEc2(lab.endpointInput(), createEc2Adapter({ ...fastRetries, confirmBatchSize: 50 }));
    await small.connection.confirmAbsence(ids.slice(0, 120), new AbortController().signal);
    assert.equal(calls(), 3, 'batches of 50: 50 + 50 + 20');
    assert.deepEqual(await connection.confirmAbsence([], new AbortController().signal), new Map());
    assert.equal(calls(), 3, 'nothing to ask: no call');
  });

  test('throttled past the SDK retries: the batch is unknown, later batches are not asked', async () => {
    const ids = lab.simulator.seedDcmInstances({ count: 450, tagged: 450 }).map((instance) => instance.instanceId);
    lab.simulator.failDescribe({ answer: 'RequestLimitExceeded', withFilter: 'instance-id', times: 3 });
    const { connection, requests } = connectEc2(lab.endpointInput());
    const findings = await connection.confirmAbsence(ids, new AbortController().signal);
    assert.equal(calls(), 3, 'one call of 3 attempts, then no more');
    assert.deepEqual(requests.map((request) => `${request.status}${request.throttled ? ' throttled' : ''}`), ['503 throttled', '503 throttled', '503 throttled']);
    assert.ok([...findings.values()].every((finding) => finding.verdict === 'unknown'));
    assert.equal(findings.get(ids[0] ?? '')?.evidence, 'DescribeInstances failed: PLATFORM_THROTTLED RequestLimitExceeded');
    assert.match(findings.get(ids[449] ?? '')?.evidence ?? '', /^not asked: an earlier call failed \(DescribeInstances failed: PLATFORM_THROTTLED RequestLimitExceeded\)$/);

    // The next confirmation asks again and gets answers.
    assert.equal((await connection.confirmAbsence(ids.slice(0, 3), new AbortController().signal)).get(ids[0] ?? '')?.verdict, 'present');
  });

  const badAnswers = [
    { answer: 'html', evidence: /LIST_INCOMPLETE: content type text\/html, not XML: "<!DOCTYPE html> <html><head><title>502 Bad Gateway/ },
    { answer: 'emptyBody', evidence: /LIST_INCOMPLETE: an empty body$/ },
    { answer: 'otherAction', evidence: /LIST_INCOMPLETE: a <DescribeInstanceStatusResponse> document instead of <DescribeInstancesResponse>$/ },
    { answer: 'missingInstanceId', evidence: /LIST_INCOMPLETE: instance #1 of reservation r-0[0-9a-f]+ has no instanceId$/ },
  ] as const;
  for (const { answer, evidence } of badAnswers) {
    test(`a ${answer} answer is never "not returned": every id unknown, one call, not retried`, async () => {
      const [seeded] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1 });
      const id = seeded?.instanceId ?? '';
      lab.simulator.failDescribe({ answer, withFilter: 'instance-id' });
      const { connection } = connectEc2(lab.endpointInput());
      const finding = (await connection.confirmAbsence([id, 'i-0aaaaaaaaaaaaaaaa'], new AbortController().signal)).get(id);
      assert.equal(finding?.verdict, 'unknown');
      assert.match(finding?.evidence ?? '', evidence);
      assert.equal(calls(), 1);
      assert.equal(lab.simulator.usage().describeFaults[answer], 1);
    });
  }

  test('ids with filter wildcards are not asked (they would match other instances); an aborted signal asks nothing, every id unknown', async () => {
    const [seeded] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1 });
    const { connection } = connectEc2(lab.endpointInput());
    const findings = await connection.confirmAbsence(['i-*', 'i-0?', ''], new AbortController().signal);
    assert.deepEqual([...findings.values()].map((finding) => finding.verdict), ['unknown', 'unknown', 'unknown']);
    assert.equal(calls(), 0);
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const stopped = await connection.confirmAbsence([seeded?.instanceId ?? ''], controller.signal);
    assert.deepEqual([...stopped.values()], [{ verdict: 'unknown', evidence: 'not answered: the poll was stopped (its time budget spent, or the endpoint removed)' }]);
    assert.equal(calls(), 0);
  });

  test('a poll stopped between batches keeps the answered batches\' verdicts; the rest are unknown, and nothing throws', async () => {
    const controller = new AbortController();
    let describes = 0;
    const describe = async (): Promise<DescribeAnswer> => {
      describes++;
      if (describes === 2) {
        controller.abort(new BridgeError(ErrorCode.PollAborted, 'the poll ran out of time', {}));
        throw controller.signal.reason;
      }
      return { nextTokenHint: undefined, read: () => ({ Reservations: [] }) };
    };
    const ids = ['i-0000000000000001', 'i-0000000000000002', 'i-0000000000000003', 'i-0000000000000004', 'i-0000000000000005'];
    const options = { describe, selector: defaultSelector, endpoint: 'ec2-unit', region: 'eu-west-1', batchSize: 2 };
    const { findings, calls: made } = await confirmInstancesAbsent(ids, options, controller.signal);
    assert.equal(made, 2, 'the third batch is not asked');
    assert.deepEqual(
      ids.map((id) => findings.get(id)?.verdict),
      ['gone', 'gone', 'unknown', 'unknown', 'unknown'],
      'the first batch was answered (neither id returned: gone); the stopped one and the one after are unknown',
    );
    assert.match(findings.get(ids[4] ?? '')?.evidence ?? '', /the poll was stopped/);
  });

  test('eventual consistency: a just-launched instance is invisible during the lag, then listed; instances already listed stay visible', async () => {
    const [old] = lab.simulator.seedDcmInstances({ count: 1, tagged: 1 });
    aheadMs = 120_000;
    lab.simulator.setVisibilityLag(30);
    const fresh = lab.simulator.inventory.addInstance({ tags: managedTags('inst-new') });
    const { connection } = connectEc2(lab.endpointInput());
    assert.deepEqual((await listAll(connection)).map((instance) => instance.platformId), [old?.instanceId], 'the new instance is not listed yet');
    assert.equal((await connection.confirmAbsence([old?.instanceId ?? ''], new AbortController().signal)).get(old?.instanceId ?? '')?.verdict, 'present');
    aheadMs += 31_000;
    assert.deepEqual((await listAll(connection)).map((instance) => instance.platformId), [old?.instanceId, fresh.instanceId], 'listed once the lag has passed');
  });
});
