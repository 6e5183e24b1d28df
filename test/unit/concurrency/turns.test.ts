import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInTurn, createKeyedTurns } from '../../../src/concurrency/index.js';

function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('actions run one at a time, in the order they were handed in', async () => {
  const inTurn = createInTurn();
  const first = gate();
  const log: string[] = [];
  const a = inTurn(async () => {
    log.push('a starts');
    await first.opened;
    log.push('a ends');
    return 'a';
  });
  const b = inTurn(async () => {
    log.push('b runs');
    return 'b';
  });
  await settle();
  assert.deepEqual(log, ['a starts'], 'b waits for a');
  first.open();
  assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
  assert.deepEqual(log, ['a starts', 'a ends', 'b runs']);
});

test('a failing action fails only its own caller; the next one still runs', async () => {
  const inTurn = createInTurn();
  const failed = inTurn(async () => {
    throw new Error('first failed');
  });
  const next = inTurn(async () => 'second ran');
  await assert.rejects(failed, /first failed/);
  assert.equal(await next, 'second ran');
});

test('keys take turns separately: one key\'s held action does not hold another key', async () => {
  const turns = createKeyedTurns<string>();
  const held = gate();
  const log: string[] = [];
  const slowA = turns.run('a', async () => {
    await held.opened;
    log.push('a1');
  });
  const laterA = turns.run('a', async () => void log.push('a2'));
  await turns.run('b', async () => void log.push('b1'));
  assert.deepEqual(log, ['b1'], 'b does not wait behind a');
  held.open();
  await Promise.all([slowA, laterA]);
  assert.deepEqual(log, ['b1', 'a1', 'a2']);
});
