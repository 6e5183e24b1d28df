import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapWithConcurrency } from '../../../src/concurrency/index.js';

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets every pending promise reaction run, so calls that can start have started. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('never more than the limit in flight; results keep the items\' order whatever order calls finish in', async () => {
  const gates = Array.from({ length: 7 }, gate);
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const mapped = mapWithConcurrency([0, 1, 2, 3, 4, 5, 6], 3, async (item, index) => {
    assert.equal(item, index);
    started.push(item);
    most = Math.max(most, ++inFlight);
    await gates[item]?.opened;
    inFlight--;
    return `#${item}`;
  });
  await settle();
  assert.deepEqual(started, [0, 1, 2], 'three start at once, in item order');
  gates[2]?.open();
  await settle();
  assert.deepEqual(started, [0, 1, 2, 3], 'a finished call makes room for exactly the next item');
  for (const index of [6, 5, 4, 3, 1, 0]) gates[index]?.open();
  assert.deepEqual(await mapped, ['#0', '#1', '#2', '#3', '#4', '#5', '#6']);
  assert.equal(most, 3);
});

test('after a failure no new call starts, the calls in flight are awaited, then the first error is thrown', async () => {
  const slow = gate();
  const started: number[] = [];
  let slowFinished = false;
  const mapped = mapWithConcurrency([0, 1, 2, 3], 2, async (item) => {
    started.push(item);
    if (item === 0) {
      await slow.opened;
      slowFinished = true;
      return item;
    }
    throw new Error(`item ${item} failed`);
  });
  let rejected = false;
  mapped.catch(() => (rejected = true));
  await settle();
  assert.deepEqual(started, [0, 1], 'item 2 never starts once item 1 failed');
  assert.equal(rejected, false, 'the caller does not see the error while item 0 still runs');
  slow.open();
  await assert.rejects(mapped, /item 1 failed/);
  assert.equal(slowFinished, true);
});

test('a limit below one still makes progress; no items, no calls', async () => {
  assert.deepEqual(await mapWithConcurrency([1, 2], 0, async (item) => item * 2), [2, 4]);
  let calls = 0;
  assert.deepEqual(await mapWithConcurrency([], 4, async () => calls++), []);
  assert.equal(calls, 0);
});
