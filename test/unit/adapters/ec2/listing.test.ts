import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DescribeInstancesCommandInput, Instance } from '@aws-sdk/client-ec2';
import { defaultSelector } from '../../../../src/config/index.js';
import { BridgeError, isBridgeError } from '../../../../src/errors/index.js';
import { listManagedInstances, selectorFilters, type DescribePage } from '../../../../adapters/ec2/index.js';

const managed = (id: string, state = 'running'): Instance => ({
  InstanceId: id,
  State: { Name: state as never, Code: 16 },
  Tags: [
    { Key: 'managed-by', Value: 'dcm' },
    { Key: 'dcm-instance-id', Value: `inst-${id.slice(2)}` },
  ],
});

/** A scripted DescribeInstances: answers in order, recording each request. */
function scripted(answers: readonly DescribePage[]) {
  const requests: DescribeInstancesCommandInput[] = [];
  return {
    requests,
    describe: async (input: DescribeInstancesCommandInput) => {
      requests.push(input);
      const answer = answers[requests.length - 1];
      if (!answer) throw new Error('asked for more pages than scripted');
      return answer;
    },
  };
}

async function collect(answers: readonly DescribePage[], signal = new AbortController().signal) {
  const platform = scripted(answers);
  const pages: string[][] = [];
  for await (const page of listManagedInstances({ describe: platform.describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, signal)) {
    pages.push(page.map((instance) => instance.platformId));
  }
  return { pages, requests: platform.requests };
}

describe('EC2 listing: NextToken handling', () => {
  test('requests carry the selector filters, MaxResults 1000 and the previous NextToken', async () => {
    const { pages, requests } = await collect([{ Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' }, { Reservations: [{ Instances: [managed('i-2')] }] }]);
    assert.deepEqual(pages, [['i-1'], ['i-2']]);
    assert.deepEqual(requests, [
      { Filters: selectorFilters(defaultSelector), MaxResults: 1000 },
      { Filters: selectorFilters(defaultSelector), MaxResults: 1000, NextToken: 'A' },
    ]);
    assert.deepEqual(selectorFilters(defaultSelector), [
      { Name: 'tag:managed-by', Values: ['dcm'] },
      { Name: 'tag-key', Values: ['dcm-instance-id'] },
    ]);
  });

  test('empty pages that still carry a NextToken (real EC2 does this) are followed; only a missing or empty token ends', async () => {
    const { pages, requests } = await collect([
      { Reservations: [{ Instances: [managed('i-1'), managed('i-2')] }], NextToken: 'A' },
      { Reservations: [], NextToken: 'B' },
      { NextToken: 'C' },
      { Reservations: [{ Instances: [managed('i-3')] }], NextToken: 'D' },
      { Reservations: [], NextToken: '' },
    ]);
    assert.deepEqual(pages, [['i-1', 'i-2'], ['i-3']]);
    assert.equal(requests.length, 5);
  });

  test('a NextToken seen before: PLATFORM_PAYLOAD instead of an endless loop', async () => {
    await assert.rejects(collect([{ Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' }, { NextToken: 'B' }, { NextToken: 'A' }]), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_PAYLOAD'), String(error));
      assert.match(error.message, /^ec2 endpoint aws-lab \(us-east-1\): DescribeInstances returned a NextToken it had returned before, after 3 pages/);
      return true;
    });
  });

  test('an instance listed twice, untagged ones and ones without an id are dropped; a reservation split over pages is fine', async () => {
    const stray: Instance = { InstanceId: 'i-9', State: { Name: 'running' }, Tags: [{ Key: 'managed-by', Value: 'dcm*' }, { Key: 'dcm-instance-id', Value: 'inst-9' }] };
    const { pages } = await collect([
      { Reservations: [{ Instances: [managed('i-1'), stray, { State: { Name: 'running' } }] }], NextToken: 'A' },
      { Reservations: [{ Instances: [managed('i-1'), managed('i-2')] }] },
    ]);
    assert.deepEqual(pages, [['i-1'], ['i-2']]);
  });

  test('an aborted signal stops before the next call with the abort reason when it is a BridgeError, else POLL_ABORTED', async () => {
    const controller = new AbortController();
    const timeout = new BridgeError('PLATFORM_TIMEOUT', 'listing aws-lab took longer than 120 s');
    controller.abort(timeout);
    await assert.rejects(collect([{}], controller.signal), (error: unknown) => error === timeout);
    const other = new AbortController();
    other.abort(new Error('bye'));
    await assert.rejects(collect([{}], other.signal), (error: unknown) => isBridgeError(error, 'POLL_ABORTED'));
  });
});
