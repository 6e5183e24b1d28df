// The tracker follows windows on the injectable clock: it opens and closes them on its own timers
// (no sleeps), pauses polling only in pausing windows, and keeps the held-deletion count until a
// poll outside any window has judged the absences again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createMaintenanceTracker, type MaintenanceStatus } from '../../../src/maintenance/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

test('opens at the start and closes at the end on its own clock timers, reporting each change', async () => {
  const clock = createFakeClock(Date.parse('2027-01-15T22:00:00Z'));
  const changes: Array<{ at: string | undefined; status: MaintenanceStatus }> = [];
  const tracker = createMaintenanceTracker({ clock, logger: pino({ level: 'silent' }), onChange: (_endpoint, status) => changes.push({ at: iso(clock.now()), status }) });
  tracker.watch('vc', [{ cron: '30 23 * * *', duration: '2h', timeZone: 'Europe/Berlin', pausePolling: false }]);
  assert.deepEqual(tracker.status('vc'), { active: false, nextStartAt: Date.parse('2027-01-15T22:30:00Z'), pausePolling: false, heldDeletions: 0, windows: 1 });
  await clock.advance(60 * 60_000);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]?.at, '2027-01-15T22:30:00.000Z', 'opened exactly at 23:30 Berlin');
  assert.equal(iso(changes[0]?.status.endsAt), '2027-01-16T00:30:00.000Z');
  assert.equal(tracker.isActive('vc'), true);
  await clock.advance(2 * 60 * 60_000);
  assert.equal(changes.length, 2);
  assert.deepEqual({ at: changes[1]?.at, active: changes[1]?.status.active, next: iso(changes[1]?.status.nextStartAt) }, { at: '2027-01-16T00:30:00.000Z', active: false, next: '2027-01-16T22:30:00.000Z' });
  assert.equal(clock.pendingCount(), 1, 'one timer armed: the next start');
  tracker.unwatch('vc');
  assert.equal(clock.pendingCount(), 0, 'forgetting the endpoint cancels its timer');
  assert.equal(tracker.status('vc'), undefined);
});

test('pausedUntil answers the end only inside a pausing window; held deletions count until a poll outside a window succeeds', async () => {
  const clock = createFakeClock(Date.parse('2027-01-02T01:00:00Z'));
  const tracker = createMaintenanceTracker({ clock, logger: pino({ level: 'silent' }) });
  tracker.watch('nova', [
    { cron: '0 2 * * *', duration: '1h', timeZone: 'UTC', pausePolling: true },
    { cron: '0 5 * * *', duration: '1h', timeZone: 'UTC', pausePolling: false },
  ]);
  assert.equal(tracker.pausedUntil('nova', Date.parse('2027-01-02T01:59:59Z')), undefined);
  assert.equal(iso(tracker.pausedUntil('nova', Date.parse('2027-01-02T02:30:00Z'))), '2027-01-02T03:00:00.000Z');
  assert.equal(tracker.pausedUntil('nova', Date.parse('2027-01-02T05:30:00Z')), undefined, 'the 05:00 window holds deletions but does not pause');
  assert.equal(tracker.isActive('nova', Date.parse('2027-01-02T05:30:00Z')), true);

  await clock.advance(4 * 60 * 60_000 + 10 * 60_000); // 05:10, in the non-pausing window
  tracker.noteHeld('nova', ['srv-1', 'srv-2']);
  tracker.noteHeld('nova', ['srv-2']);
  assert.equal(tracker.status('nova')?.heldDeletions, 2, 'distinct instances');
  tracker.pollSucceeded('nova', clock.now());
  assert.equal(tracker.status('nova')?.heldDeletions, 2, 'a poll inside the window judges nothing again');
  await clock.advance(60 * 60_000); // 06:10
  tracker.pollSucceeded('nova', clock.now() - 5 * 60_000);
  assert.equal(tracker.status('nova')?.heldDeletions, 0, 'a poll begun after the window judged them by the normal rules');
});
