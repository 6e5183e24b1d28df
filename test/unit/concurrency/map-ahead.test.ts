import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAhead } from '../../../src/concurrency/index.js';

/** A call the test settles by hand. */
interface Pending {
  readonly item: number;
  resolve(value: string): void;
  reject(error: Error): void;
}

function manualWork(): { calls: Pending[]; work: (item: number) => Promise<string> } {
  const calls: Pending[] = [];
  return {
    calls,
    work: (item) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ item, resolve, reject });
      }),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('keeps `limit` calls in flight ahead of the consumer and yields in item order, whatever order the calls finish in', async () => {
  const { calls, work } = manualWork();
  const results = mapAhead([0, 1, 2, 3, 4], 3, work)[Symbol.asyncIterator]();
  const first = results.next();
  await turn();
  assert.deepEqual(
    calls.map((call) => call.item),
    [0, 1, 2],
  );
  calls[2]?.resolve('two');
  calls[1]?.resolve('one');
  await turn();
  assert.equal(calls.length, 3, 'no call starts before the first result is in');
  calls[0]?.resolve('zero');
  assert.deepEqual(await first, { done: false, value: 'zero' });
  assert.deepEqual(
    calls.map((call) => call.item),
    [0, 1, 2, 3],
    'handing over a result starts the next call',
  );
  assert.deepEqual(await results.next(), { done: false, value: 'one' });
  assert.deepEqual(await results.next(), { done: false, value: 'two' });
  calls[3]?.resolve('three');
  assert.deepEqual(await results.next(), { done: false, value: 'three' });
  calls[4]?.resolve('four');
  assert.deepEqual(await results.next(), { done: false, value: 'four' });
  assert.deepEqual(await results.next(), { done: true, value: undefined });
});

test('a failed call surfaces after the results before it; no call starts after it, and the calls in flight settle before the throw', async () => {
  const { calls, work } = manualWork();
  const seen: string[] = [];
  const consumed = (async () => {
    for await (const result of mapAhead([0, 1, 2, 3, 4, 5], 3, work)) seen.push(result);
  })();
  await turn();
  calls[1]?.reject(new Error('page 2 failed'));
  calls[0]?.resolve('zero');
  await turn();
  assert.deepEqual(seen, ['zero']);
  assert.deepEqual(
    calls.map((call) => call.item),
    [0, 1, 2, 3],
  );
  let thrown = false;
  void consumed.catch(() => (thrown = true));
  await turn();
  assert.equal(thrown, false, 'still waiting for the calls in flight');
  calls[2]?.resolve('two');
  calls[3]?.resolve('three');
  await assert.rejects(consumed, /page 2 failed/);
  assert.equal(calls.length, 4);
  assert.deepEqual(seen, ['zero'], 'nothing after the failure is yielded');
});

test('a consumer that stops early waits for the calls in flight; a limit below 1 counts as 1; no items, no calls', async () => {
  const { calls, work } = manualWork();
  const results = mapAhead([0, 1, 2], 0, work)[Symbol.asyncIterator]();
  const first = results.next();
  await turn();
  assert.equal(calls.length, 1);
  calls[0]?.resolve('zero');
  assert.deepEqual(await first, { done: false, value: 'zero' });
  assert.equal(calls.length, 2);
  let stopped = false;
  const stopping = results.return(undefined).then(() => (stopped = true));
  await turn();
  assert.equal(stopped, false);
  calls[1]?.resolve('one');
  await stopping;
  assert.equal(calls.length, 2);

  const none = manualWork();
  for await (const result of mapAhead([], 4, none.work)) assert.fail(`yielded ${result}`);
  assert.equal(none.calls.length, 0);
});
