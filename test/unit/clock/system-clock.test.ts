import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSystemClock, maxTimerDelayMs, type HostTimers } from '../../../src/clock/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

/** Host timers under the test's control: what the system clock arms, and a way to fire it at its time. */
function recordingHost(): HostTimers & { armed: { delayMs: number; fire: () => void; cleared: boolean }[]; time: number; fireNext(): void } {
  const armed: { delayMs: number; fire: () => void; cleared: boolean }[] = [];
  const host = {
    armed,
    time: Date.UTC(2026, 0, 1),
    now: () => host.time,
    setTimeout(callback: () => void, delayMs: number) {
      const entry = { delayMs, fire: callback, cleared: false };
      armed.push(entry);
      return entry;
    },
    clearTimeout(timer: unknown) {
      (timer as { cleared: boolean }).cleared = true;
    },
    fireNext() {
      const entry = armed.find((candidate) => !candidate.cleared && candidate.delayMs >= 0 && !('fired' in candidate));
      if (!entry) throw new Error('nothing armed');
      Object.assign(entry, { fired: true });
      host.time += entry.delayMs;
      entry.fire();
    },
  };
  return host;
}

test('a delay beyond the Node timer range is waited as a chain of in-range timers, and fires once, at its time', () => {
  const host = recordingHost();
  const clock = createSystemClock(host);
  const delayMs = 99_999_999 * 1000; // Retry-After: 99999999
  const dueAt = host.time + delayMs;
  let fired = 0;
  clock.schedule(delayMs, () => fired++);
  while (fired === 0) host.fireNext();
  assert.equal(fired, 1);
  assert.equal(host.time, dueAt, 'fired exactly when due, not after 1 ms');
  assert.ok(host.armed.length > 1, 'chained');
  for (const { delayMs: armed } of host.armed) assert.ok(armed >= 0 && armed <= maxTimerDelayMs, `armed ${armed} ms`);
});

test('an infinite delay never fires; NaN and negative delays fire at once', () => {
  const host = recordingHost();
  const clock = createSystemClock(host);
  let infinite = 0;
  clock.schedule(Number.POSITIVE_INFINITY, () => infinite++);
  for (let step = 0; step < 5; step++) host.fireNext();
  assert.equal(infinite, 0);
  assert.ok(host.armed.every(({ delayMs }) => delayMs === maxTimerDelayMs));

  for (const delayMs of [Number.NaN, -5]) {
    const local = recordingHost();
    createSystemClock(local).schedule(delayMs, () => undefined);
    assert.equal(local.armed[0]?.delayMs, 0, String(delayMs));
  }
});

test('cancelling in the middle of a chain stops it', () => {
  const host = recordingHost();
  const clock = createSystemClock(host);
  let fired = 0;
  const handle = clock.schedule(3 * maxTimerDelayMs, () => fired++);
  host.fireNext();
  clock.cancel(handle);
  assert.ok(host.armed.at(-1)?.cleared, 'the current link is cleared');
  assert.equal(fired, 0);
});

test('the fake clock agrees: NaN fires at once, Infinity never comes due', async () => {
  const clock = createFakeClock();
  const fired: string[] = [];
  clock.schedule(Number.NaN, () => fired.push('nan'));
  clock.schedule(Number.POSITIVE_INFINITY, () => fired.push('infinite'));
  await clock.advance(0);
  assert.deepEqual(fired, ['nan']);
  assert.equal(await clock.runNext(), false, 'an infinite timer is never the next one');
  assert.ok(Number.isFinite(clock.now()));
});

test('the real timers of the system clock: a huge delay does not fire after 1 ms', async () => {
  const clock = createSystemClock();
  let fired = false;
  const handle = clock.schedule(99_999_999 * 1000, () => (fired = true));
  // Node fires an overflowing setTimeout after 1 ms; give it ample time to show that bug.
  await new Promise((resolve) => setTimeout(resolve, 50));
  clock.cancel(handle);
  assert.equal(fired, false);
});
