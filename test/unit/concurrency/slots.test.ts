import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSlotLimiter } from '../../../src/concurrency/index.js';

function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('run: at most `limit` tasks at once, the others start in call order as slots free up', async () => {
  const slots = createSlotLimiter(2);
  const gates = Array.from({ length: 5 }, gate);
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const runs = gates.map((held, index) =>
    slots.run(async () => {
      started.push(index);
      most = Math.max(most, ++running);
      await held.opened;
      running--;
      return index;
    }),
  );
  await settle();
  assert.deepEqual(started, [0, 1], 'the third task waits for a slot');
  gates[1]?.open();
  await settle();
  assert.deepEqual(started, [0, 1, 2], 'the first waiter takes the freed slot');
  for (const held of gates) held.open();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
});

test('run: a task with a free slot starts synchronously, before run returns', () => {
  const slots = createSlotLimiter(1);
  let started = false;
  void slots.run(async () => {
    started = true;
  });
  assert.equal(started, true);
});

test('run: a failing task gives its slot back and fails only its own caller', async () => {
  const slots = createSlotLimiter(1);
  const failed = slots.run(async () => {
    throw new Error('task failed');
  });
  const next = slots.run(async () => 'next ran');
  await assert.rejects(failed, /task failed/);
  assert.equal(await next, 'next ran');
});

test('a release hands the slot to the waiter, not to a caller arriving at that moment', async () => {
  const slots = createSlotLimiter(1);
  await slots.acquire();
  const order: string[] = [];
  const waiter = slots.acquire().then(() => order.push('waiter'));
  slots.release();
  const latecomer = slots.acquire().then(() => order.push('latecomer'));
  await waiter;
  await settle();
  assert.deepEqual(order, ['waiter'], 'the latecomer waits: the slot went to the waiter');
  slots.release();
  await latecomer;
  assert.deepEqual(order, ['waiter', 'latecomer']);
});

test('acquire and run share the same slots', async () => {
  const slots = createSlotLimiter(1);
  await slots.acquire();
  let ran = false;
  const run = slots.run(async () => {
    ran = true;
  });
  await settle();
  assert.equal(ran, false, 'run waits while acquire holds the only slot');
  slots.release();
  await run;
  assert.equal(ran, true);
});

test('acquire: a waiter whose signal aborts leaves the queue with the reason; the next waiter keeps its turn', async () => {
  const slots = createSlotLimiter(1);
  await slots.acquire();
  const order: string[] = [];
  const leaving = new AbortController();
  const first = slots.acquire(leaving.signal).then(
    () => order.push('first'),
    (reason: unknown) => order.push(`first left: ${(reason as Error).message}`),
  );
  const second = slots.acquire(new AbortController().signal).then(() => order.push('second'));
  leaving.abort(new Error('endpoint removed'));
  await first;
  assert.deepEqual(order, ['first left: endpoint removed'], 'the abort ended the wait while the slot was still held');
  slots.release();
  await second;
  assert.deepEqual(order, ['first left: endpoint removed', 'second'], 'the slot went to the next waiter, not to the one that left');
  slots.release();
  await slots.acquire();
  const third = slots.acquire().then(() => order.push('third'));
  await settle();
  assert.deepEqual(order, ['first left: endpoint removed', 'second'], 'one slot: the one that left took none with it, nor freed one');
  slots.release();
  await third;
});

test('acquire: an aborted signal is refused when it would wait, but takes a free slot; an abort after the grant changes nothing', async () => {
  const slots = createSlotLimiter(1);
  const aborted = AbortSignal.abort(new Error('already stopped'));
  await slots.acquire(aborted);
  await assert.rejects(slots.acquire(aborted), /already stopped/);
  const later = new AbortController();
  const granted = slots.acquire(later.signal);
  slots.release();
  await granted;
  later.abort(new Error('too late'));
  let next = false;
  const waiting = slots.acquire().then(() => (next = true));
  await settle();
  assert.equal(next, false, 'the granted holder still holds its slot');
  slots.release();
  await waiting;
});
