// pausePolling: no poll starts while the window is open, and polling resumes at its end with one
// poll (plus the start-up jitter), not a burst of the missed ones. Fake clock, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createMaintenanceTracker } from '../../../src/maintenance/index.js';
import { createScheduler, type PollSettlement } from '../../../src/scheduler/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

const minute = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

function pausedLab(options: { jitterRatio: number; random?: () => number }) {
  const clock = createFakeClock(Date.parse('2027-01-02T01:57:00Z'));
  const logger = pino({ level: 'silent' });
  const tracker = createMaintenanceTracker({ clock, logger });
  tracker.watch('vc', [{ cron: '0 2 * * *', duration: '1h', timeZone: 'UTC', pausePolling: true }]);
  const polls: number[] = [];
  const settlements: PollSettlement[] = [];
  const scheduler = createScheduler({ clock, logger, maxConcurrentPolls: 1, jitterRatio: options.jitterRatio, backoffMaxMs: 10 * minute, random: options.random ?? (() => 0), onSettled: (settlement) => settlements.push(settlement) });
  scheduler.add({ name: 'vc', intervalMs: minute, floorMs: 10_000, pausedUntil: (at) => tracker.pausedUntil('vc', at), run: async () => void polls.push(clock.now()) });
  scheduler.start();
  return { clock, scheduler, polls, settlements };
}

test('a pausing window 02:00-03:00: polls at 01:57-01:59, none inside, one at 03:00, then every minute again', async () => {
  const { clock, scheduler, polls, settlements } = pausedLab({ jitterRatio: 0 });
  await clock.advance(66 * minute); // to 03:03
  assert.deepEqual(polls.map(iso), ['01:57', '01:58', '01:59', '03:00', '03:01', '03:02', '03:03']);
  assert.equal(iso(settlements[2]?.nextRunAt ?? 0), '03:00', "the 01:59 poll's settlement names the resume time, which the status API shows");
  await scheduler.stop();
});

test('a pause that begins between polls is noticed when the timer fires; the resume is spread by the jitter', async () => {
  // With jitter 0.5 and random 0.5, the interval timer is at +1.25 min and the resume 15 s after the end.
  const { clock, scheduler, polls } = pausedLab({ jitterRatio: 0.5, random: () => 0.5 });
  await clock.advance(64 * minute);
  const inside = polls.filter((at) => at >= Date.parse('2027-01-02T02:00:00Z') && at < Date.parse('2027-01-02T03:00:00Z'));
  assert.deepEqual(inside, [], 'no poll inside the window');
  const after = polls.filter((at) => at >= Date.parse('2027-01-02T03:00:00Z'));
  assert.equal(new Date(after[0] ?? 0).toISOString(), '2027-01-02T03:00:15.000Z', 'one poll a jitter after the end');
  assert.ok((after[1] ?? Infinity) - (after[0] ?? 0) >= minute, 'then at the interval again: no catch-up burst');
  await scheduler.stop();
});
