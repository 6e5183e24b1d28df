// armDeadline (src/platform-http/deadline.ts) on a fake clock: the limit, a restart that moves it, the caller's abort.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armDeadline } from '../../../src/platform-http/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

test('the limit passes timeoutMs after the start: the signal aborts naming it, timedOut() says so', async () => {
  const clock = createFakeClock();
  const deadline = armDeadline(clock, 1000);
  await clock.advance(999);
  assert.equal(deadline.signal.aborted, false);
  await clock.advance(1);
  assert.equal(deadline.signal.aborted, true);
  assert.equal(deadline.timedOut(), true);
  assert.match(String((deadline.signal.reason as Error).message), /^no answer within 1000 ms$/);
  deadline.end();
});

test('a restart moves the limit to timeoutMs after it, however often it is called', async () => {
  const clock = createFakeClock();
  const deadline = armDeadline(clock, 1000);
  for (let piece = 0; piece < 5; piece++) {
    await clock.advance(600);
    deadline.restart();
  }
  assert.equal(deadline.signal.aborted, false, '3 s in, never 1 s of silence');
  assert.equal(clock.pendingCount(), 1, 'restarts set no timers of their own');
  await clock.advance(999);
  assert.equal(deadline.signal.aborted, false);
  await clock.advance(1);
  assert.equal(deadline.timedOut(), true);
  deadline.end();
});

test("the caller's abort passes its reason on and is not a timeout; end() lets go of the timer", async () => {
  const clock = createFakeClock();
  const caller = new AbortController();
  const deadline = armDeadline(clock, 1000, caller.signal);
  const reason = new Error('stopping');
  caller.abort(reason);
  assert.equal(deadline.signal.reason, reason);
  assert.equal(deadline.timedOut(), false);
  deadline.end();
  assert.equal(clock.pendingCount(), 0);
});
