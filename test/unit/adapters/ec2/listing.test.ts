import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DescribeInstancesCommandInput, Instance } from '@aws-sdk/client-ec2';
import { defaultSelector } from '../../../../src/config/index.js';
import { BridgeError, isBridgeError } from '../../../../src/errors/index.js';
import { listManagedInstances, selectorFilters, type DescribeAnswer, type DescribePage } from '../../../../adapters/ec2/index.js';

const managed = (id: string, state = 'running'): Instance => ({
  InstanceId: id,
  State: { Name: state as never, Code: 16 },
  Tags: [
    { Key: 'managed-by', Value: 'dcm' },
    { Key: 'dcm-instance-id', Value: `inst-${id.slice(2)}` },
  ],
});

/** A page as the client hands it over: its NextToken found at its end (as EC2 writes it) unless told otherwise, read on demand. */
function answerOf(page: DescribePage, nextTokenHint = page.NextToken, onRead?: () => void): DescribeAnswer {
  return {
    nextTokenHint,
    read: () => {
      onRead?.();
      return { ...(page.Reservations ? { Reservations: [...page.Reservations] } : {}), ...(page.NextToken !== undefined ? { NextToken: page.NextToken } : {}) };
    },
  };
}

/** A scripted DescribeInstances: answers in order, recording each request. */
function scripted(answers: readonly DescribePage[]) {
  const requests: DescribeInstancesCommandInput[] = [];
  return {
    requests,
    describe: async (input: DescribeInstancesCommandInput) => {
      requests.push(input);
      const answer = answers[requests.length - 1];
      if (!answer) throw new Error('asked for more pages than scripted');
      return answerOf(answer);
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
      { Reservations: [{ ReservationId: 'r-empty', Instances: [] }], NextToken: 'C' },
      { Reservations: [{ Instances: [managed('i-3')] }], NextToken: 'D' },
      { Reservations: [], NextToken: '' },
    ]);
    assert.deepEqual(pages, [['i-1', 'i-2'], ['i-3']]);
    assert.equal(requests.length, 5);
  });

  test('a NextToken seen before: PLATFORM_PAYLOAD instead of an endless loop', async () => {
    await assert.rejects(collect([{ Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' }, { Reservations: [], NextToken: 'B' }, { Reservations: [], NextToken: 'A' }]), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_PAYLOAD'), String(error));
      assert.match(error.message, /^ec2 endpoint aws-lab \(us-east-1\): DescribeInstances returned a NextToken it had returned before, after 3 pages/);
      return true;
    });
  });

  test('an instance listed twice is yielded as listed (the core counts it once), untagged ones are left out (and reported); a reservation split over pages is fine', async () => {
    const stray: Instance = { InstanceId: 'i-9', State: { Name: 'running' }, Tags: [{ Key: 'managed-by', Value: 'dcm*' }, { Key: 'dcm-instance-id', Value: 'inst-9' }] };
    const untagged: Instance = { InstanceId: 'i-8', State: { Name: 'running' } };
    const platform = scripted([
      { Reservations: [{ Instances: [managed('i-1'), stray, untagged] }], NextToken: 'A' },
      { Reservations: [{ Instances: [managed('i-1'), managed('i-2')] }] },
    ]);
    const skipped: unknown[] = [];
    const pages: string[][] = [];
    for await (const page of listManagedInstances({ describe: platform.describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1', onSkipped: (report) => skipped.push(report) }, new AbortController().signal)) {
      pages.push(page.map((instance) => instance.platformId));
    }
    assert.deepEqual(pages, [['i-1'], ['i-1', 'i-2']]);
    assert.deepEqual(skipped, [{ page: 1, count: 2, example: 'i-9' }]);
  });

  test('an instance listed without its state is yielded with stateUnavailable, not as pending', async () => {
    const { pages } = await collect([{ Reservations: [{ Instances: [{ ...managed('i-1'), State: undefined }, managed('i-2')] }] }]);
    assert.deepEqual(pages, [['i-1', 'i-2']]);
    const platform = scripted([{ Reservations: [{ Instances: [{ ...managed('i-1'), State: undefined }] }] }]);
    for await (const page of listManagedInstances({ describe: platform.describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, new AbortController().signal)) {
      assert.equal(page[0]?.stateUnavailable, 'DescribeInstances listed the instance without its instanceState');
      assert.equal(page[0]?.rawState, undefined);
    }
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

describe('EC2 listing: an answer that is not a whole DescribeInstancesResponse fails the listing', () => {
  const cases: { name: string; page2: DescribePage; problem: string }[] = [
    { name: 'no reservationSet (what the SDK makes of an HTML, empty or foreign 200)', page2: {}, problem: 'no reservationSet' },
    { name: 'a reservation without its instancesSet', page2: { Reservations: [{ ReservationId: 'r-7' }] }, problem: 'reservation r-7 has no instancesSet' },
    { name: 'an instance without its instanceId', page2: { Reservations: [{ ReservationId: 'r-7', Instances: [managed('i-2'), { State: { Name: 'running' }, Tags: managed('i-3').Tags }] }] }, problem: 'instance #2 of reservation r-7 has no instanceId' },
    { name: 'an instance with an empty instanceId', page2: { Reservations: [{ Instances: [{ ...managed('i-2'), InstanceId: '' }] }] }, problem: 'instance #1 of reservation #1 has no instanceId' },
  ];
  for (const { name, page2, problem } of cases) {
    test(`${name}: LIST_INCOMPLETE naming page 2 and the problem, after page 1 was yielded`, async () => {
      const platform = scripted([{ Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' }, page2, { Reservations: [{ Instances: [managed('i-4')] }] }]);
      const pages: string[][] = [];
      await assert.rejects(
        (async () => {
          for await (const page of listManagedInstances({ describe: platform.describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, new AbortController().signal)) {
            pages.push(page.map((instance) => instance.platformId));
          }
        })(),
        (error: unknown) => {
          assert.ok(isBridgeError(error, 'LIST_INCOMPLETE'), String(error));
          assert.equal(error.message, `ec2 endpoint aws-lab (us-east-1): DescribeInstances page 2 of the listing is not a complete answer: ${problem}; it counts for nothing`);
          assert.equal(error.context['problem'], problem);
          return true;
        },
      );
      assert.deepEqual(pages, [['i-1']], 'page 1 was yielded, nothing after the bad page');
      assert.equal(platform.requests.length, 2, 'page 3 is never asked');
    });
  }

  test('a LIST_INCOMPLETE from the raw answer check gets the page number added', async () => {
    const raw = new BridgeError('LIST_INCOMPLETE', 'ec2 endpoint aws-lab (us-east-1): DescribeInstances answered HTTP 200 with an empty body; not a DescribeInstancesResponse, so the answer counts for nothing', { problem: 'an empty body' });
    let calls = 0;
    const describe = async (): Promise<DescribeAnswer> => {
      calls += 1;
      if (calls === 2) throw raw;
      return answerOf({ Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' });
    };
    await assert.rejects(
      (async () => {
        for await (const _page of listManagedInstances({ describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, new AbortController().signal));
      })(),
      (error: unknown) => {
        assert.ok(isBridgeError(error, 'LIST_INCOMPLETE'));
        assert.match(error.message, /an empty body; .* \(page 2 of the listing\)$/);
        assert.equal(error.context['page'], 2);
        assert.equal(error.cause, raw);
        return true;
      },
    );
  });
});

describe('EC2 listing: the next page is asked for before the one in hand is read', () => {
  /** A DescribeInstances whose answers are given by `answer(token)`, logging asks, reads and aborted asks in order. */
  function logged(answer: (token: string | undefined) => { page: DescribePage; hint?: string } | Error) {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const describe = async (input: DescribeInstancesCommandInput, signal: AbortSignal, onSending?: () => void): Promise<DescribeAnswer> => {
      const token = input.NextToken;
      log.push(`ask ${token ?? '-'}`);
      signals.push(signal);
      signal.addEventListener('abort', () => log.push(`abort ${token ?? '-'}`), { once: true });
      onSending?.();
      await new Promise((resolve) => setImmediate(resolve));
      const scripted = answer(token);
      if (scripted instanceof Error) throw scripted;
      const { page, hint = page.NextToken } = scripted;
      return answerOf(page, hint, () => log.push(`read ${token ?? '-'}`));
    };
    return { log, signals, describe };
  }
  const pages: Record<string, DescribePage> = {
    '-': { Reservations: [{ Instances: [managed('i-1')] }], NextToken: 'A' },
    A: { Reservations: [{ Instances: [managed('i-2')] }], NextToken: 'B' },
    B: { Reservations: [{ Instances: [managed('i-3')] }] },
  };
  const list = async (describe: ReturnType<typeof logged>['describe'], stopAfter = Infinity): Promise<string[][]> => {
    const listed: string[][] = [];
    for await (const page of listManagedInstances({ describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, new AbortController().signal)) {
      listed.push(page.map((instance) => instance.platformId));
      if (listed.length >= stopAfter) break;
    }
    return listed;
  };

  test('each page\'s successor is asked for with the token found at its end, before the page is read', async () => {
    const platform = logged((token) => ({ page: pages[token ?? '-'] as DescribePage }));
    assert.deepEqual(await list(platform.describe), [['i-1'], ['i-2'], ['i-3']]);
    assert.deepEqual(platform.log, ['ask -', 'ask A', 'read -', 'ask B', 'read A', 'read B']);
  });

  test('a hint the read page contradicts: the early ask is cancelled and the page\'s own NextToken asked', async () => {
    const platform = logged((token) => ({ page: pages[token ?? '-'] as DescribePage, ...(token === undefined ? { hint: 'Z' } : {}) }));
    assert.deepEqual(await list(platform.describe), [['i-1'], ['i-2'], ['i-3']]);
    assert.deepEqual(platform.log, ['ask -', 'ask Z', 'read -', 'abort Z', 'ask A', 'ask B', 'read A', 'read B']);
  });

  test('a hint on the last page (the read page has no NextToken): cancelled, and the listing ends', async () => {
    const platform = logged((token) => (token === 'Z' ? new Error('never answered') : { page: pages[token ?? '-'] as DescribePage, ...(token === 'B' ? { hint: 'Z' } : {}) }));
    assert.deepEqual(await list(platform.describe), [['i-1'], ['i-2'], ['i-3']]);
    assert.deepEqual(platform.log, ['ask -', 'ask A', 'read -', 'ask B', 'read A', 'ask Z', 'read B', 'abort Z']);
  });

  test('a page that cannot be read fails the listing with its own error, and the early ask is cancelled', async () => {
    const unreadable = new BridgeError('PLATFORM_PAYLOAD', 'ec2 endpoint aws-lab (us-east-1): DescribeInstances answered HTTP 200 with a body that is not well-formed XML: mismatched tags');
    const platform = logged((token) => ({ page: pages[token ?? '-'] as DescribePage }));
    const describe: typeof platform.describe = async (input, signal, onSending) => {
      const answer = await platform.describe(input, signal, onSending);
      return input.NextToken === 'A' ? { nextTokenHint: answer.nextTokenHint, read: () => { throw unreadable; } } : answer;
    };
    await assert.rejects(list(describe), (error: unknown) => error === unreadable);
    assert.deepEqual(platform.log, ['ask -', 'ask A', 'read -', 'ask B', 'abort B']);
  });

  test('a consumer that stops early: the early ask is cancelled', async () => {
    const platform = logged((token) => ({ page: pages[token ?? '-'] as DescribePage }));
    assert.deepEqual(await list(platform.describe, 1), [['i-1']]);
    assert.deepEqual(platform.log, ['ask -', 'ask A', 'read -', 'abort A']);
  });

  test('an early ask that fails while the page before is handled: no unhandled rejection; the listing fails naming the next page', async () => {
    const failure = new BridgeError('LIST_INCOMPLETE', 'ec2 endpoint aws-lab (us-east-1): DescribeInstances answered HTTP 200 with an empty body; not a DescribeInstancesResponse, so the answer counts for nothing', { problem: 'an empty body' });
    const platform = logged((token) => (token === 'A' ? failure : { page: pages[token ?? '-'] as DescribePage }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const listed: string[][] = [];
      await assert.rejects(
        (async () => {
          for await (const page of listManagedInstances({ describe: platform.describe, selector: defaultSelector, stateOverrides: {}, endpoint: 'aws-lab', region: 'us-east-1' }, new AbortController().signal)) {
            listed.push(page.map((instance) => instance.platformId));
            // The early ask fails while this page is held.
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })(),
        (error: unknown) => isBridgeError(error, 'LIST_INCOMPLETE') && error.context['page'] === 2,
      );
      assert.deepEqual(listed, [['i-1']]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
