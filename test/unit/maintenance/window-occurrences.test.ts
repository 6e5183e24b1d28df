// When a maintenance window is open: its start, its end, a window across midnight in a time zone,
// and one over a daylight saving change (durations are elapsed time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileWindows, occurrenceAt, parseWindowDuration, type MaintenanceWindowConfig } from '../../../src/maintenance/index.js';

const window = (config: Partial<MaintenanceWindowConfig> & Pick<MaintenanceWindowConfig, 'cron' | 'duration'>) => compileWindows([{ timeZone: 'UTC', pausePolling: false, ...config }])[0]!;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

test('a Saturday 02:00 UTC window for 2h: closed a minute before, open from its first millisecond, closed at its end', () => {
  const saturday = window({ cron: '0 2 * * SAT', duration: '2h' });
  const before = occurrenceAt(saturday, at('2027-01-02T01:59:00Z'));
  assert.equal(before.current, undefined);
  assert.equal(iso(before.nextStartAt), '2027-01-02T02:00:00.000Z');
  const start = occurrenceAt(saturday, at('2027-01-02T02:00:00Z'));
  assert.deepEqual({ startAt: iso(start.current?.startAt), endAt: iso(start.current?.endAt) }, { startAt: '2027-01-02T02:00:00.000Z', endAt: '2027-01-02T04:00:00.000Z' });
  assert.equal(iso(start.nextStartAt), '2027-01-09T02:00:00.000Z');
  assert.ok(occurrenceAt(saturday, at('2027-01-02T03:59:59.999Z')).current, 'open until the last millisecond');
  const end = occurrenceAt(saturday, at('2027-01-02T04:00:00Z'));
  assert.equal(end.current, undefined, 'the end is exclusive');
  assert.equal(iso(end.nextStartAt), '2027-01-09T02:00:00.000Z');
});

test('23:30 Europe/Berlin for 2h crosses midnight: open 22:30Z to 00:30Z in winter (UTC+1), 21:30Z to 23:30Z in summer (UTC+2)', () => {
  const nightly = window({ cron: '30 23 * * *', duration: '2h', timeZone: 'Europe/Berlin' });
  const winter = occurrenceAt(nightly, at('2027-01-15T23:59:00Z'));
  assert.deepEqual([iso(winter.current?.startAt), iso(winter.current?.endAt)], ['2027-01-15T22:30:00.000Z', '2027-01-16T00:30:00.000Z']);
  assert.ok(occurrenceAt(nightly, at('2027-01-16T00:29:00Z')).current, 'still open after midnight, local 01:29');
  assert.equal(occurrenceAt(nightly, at('2027-01-16T00:30:00Z')).current, undefined, 'closed at local 01:30');
  assert.equal(occurrenceAt(nightly, at('2027-01-15T22:29:00Z')).current, undefined, 'closed at local 23:29');
  const summer = occurrenceAt(nightly, at('2027-07-15T22:00:00Z'));
  assert.deepEqual([iso(summer.current?.startAt), iso(summer.current?.endAt)], ['2027-07-15T21:30:00.000Z', '2027-07-15T23:30:00.000Z']);
  // The same expression in UTC is a different window: the zone is honoured, not ignored.
  assert.equal(occurrenceAt(window({ cron: '30 23 * * *', duration: '2h' }), at('2027-07-15T22:00:00Z')).current, undefined);
});

test('over the spring-forward night (Europe/Berlin, 28 March 2027) a 01:30 window of 2h lasts 2 elapsed hours: until 04:30 local summer time', () => {
  const early = window({ cron: '30 1 * * *', duration: '2h', timeZone: 'Europe/Berlin' });
  const occurrence = occurrenceAt(early, at('2027-03-28T01:00:00Z'));
  assert.deepEqual([iso(occurrence.current?.startAt), iso(occurrence.current?.endAt)], ['2027-03-28T00:30:00.000Z', '2027-03-28T02:30:00.000Z']);
  // A start the clock change skips (02:30 local does not exist that night) comes at the first valid time, 03:00 CEST.
  const skipped = occurrenceAt(window({ cron: '30 2 * * *', duration: '1h', timeZone: 'Europe/Berlin' }), at('2027-03-27T23:00:00Z'));
  assert.equal(iso(skipped.nextStartAt), '2027-03-28T01:00:00.000Z');
});

test('overlapping starts (every 10 minutes for 30 minutes): the current occurrence is the latest start, found without stepping through a week', () => {
  const frequent = window({ cron: '*/10 * * * *', duration: '30m' });
  const occurrence = occurrenceAt(frequent, at('2027-01-02T02:25:00Z'));
  assert.deepEqual([iso(occurrence.current?.startAt), iso(occurrence.current?.endAt), iso(occurrence.nextStartAt)], ['2027-01-02T02:20:00.000Z', '2027-01-02T02:50:00.000Z', '2027-01-02T02:30:00.000Z']);
  const started = performance.now();
  const weekly = window({ cron: '0 0 * * MON', duration: '168h' });
  assert.ok(occurrenceAt(weekly, at('2027-01-06T12:00:00Z')).current);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 500, `a week-long window judged in ${elapsed.toFixed(0)} ms`);
});

test('durations: hours and/or minutes, one minute to one week; anything else is named', () => {
  assert.deepEqual(parseWindowDuration('90m'), { ms: 90 * 60_000 });
  assert.deepEqual(parseWindowDuration('2h'), { ms: 2 * 3_600_000 });
  assert.deepEqual(parseWindowDuration('1h30m'), { ms: 90 * 60_000 });
  for (const [text, complaint] of [['0m', /at least 1m/], ['169h', /at most 168h/], ['2 hours', /hours and\/or minutes/], ['', /hours and\/or minutes/], [120, /duration/]] as const) {
    const parsed = parseWindowDuration(text);
    assert.ok('problem' in parsed && complaint.test(parsed.problem), `${JSON.stringify(text)} → ${JSON.stringify(parsed)}`);
  }
});
