import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashSigns } from './crash-signs.js';
import { judge, longestSightedStretch, streamConvergedAt, type JudgeInput } from './judge.js';
import type { DeliveredEvent } from './recorder.js';
import { scanForSecrets } from './secret-scan.js';
import { createTruthLog } from './truth.js';

// Pure logic of the fault suite's judge: each rule is shown to count what it must, so a
// passing fault run means something.

const second = 1000;
let sequence = 0;
/** A stored event; `at` is both when the poll observed it and (plus 100 ms) when the stream stored it. */
const event = (instanceId: string, status: string, at: number, options: { previous?: string; resync?: boolean; id?: string } = {}): DeliveredEvent => {
  sequence++;
  return { streamSequence: sequence, storedAt: at + 100, id: options.id ?? `id-${sequence}`, instanceId, status, previousStatus: options.previous, resync: options.resync ?? false, observedAt: at, body: '{}' };
};

/** Instance `a`: RUNNING from 0 (seeded), STOPPING at 10 s, STOPPED at 20 s, DELETED at 30 s. */
function truthOfA() {
  const truth = createTruthLog();
  truth.record('a', 'RUNNING', 0, { seeded: true });
  truth.record('a', 'STOPPING', 10 * second);
  truth.record('a', 'STOPPED', 20 * second);
  truth.record('a', 'DELETED', 30 * second);
  return truth.history();
}

const inputWith = (delivered: DeliveredEvent[], overrides: Partial<JudgeInput> = {}): JudgeInput => ({
  truth: truthOfA(),
  delivered,
  blindWindows: [],
  requiredHoldMs: 2 * second,
  duplicateWindowMs: 120 * second,
  ...overrides,
});

const faithful = (): DeliveredEvent[] => [
  event('a', 'RUNNING', 1 * second),
  event('a', 'STOPPING', 11 * second, { previous: 'RUNNING' }),
  event('a', 'STOPPED', 21 * second, { previous: 'STOPPING' }),
  event('a', 'DELETED', 33 * second, { previous: 'STOPPED' }),
];

test('a faithful delivery: nothing lost, duplicated or falsely deleted; the three earlier held states were checked', () => {
  const verdict = judge(inputWith(faithful()));
  assert.deepEqual(
    { lost: verdict.lost, duplicates: verdict.duplicates, falseDeleted: verdict.falseDeleted, malformed: verdict.malformed, statesChecked: verdict.statesChecked, made: verdict.transitionsMade, delivered: verdict.transitionsDelivered },
    { lost: 0, duplicates: 0, falseDeleted: 0, malformed: 0, statesChecked: 3, made: 3, delivered: 3 },
  );
});

test('a state held in sight but never delivered is lost; the same state inside a blind window is not asked for', () => {
  const withoutStopping = faithful().filter((delivered) => delivered.status !== 'STOPPING');
  const lost = judge(inputWith(withoutStopping));
  assert.equal(lost.lost, 1);
  assert.match(lost.findings[0]?.detail ?? '', /^STOPPING from .* never reached DCM/);
  assert.equal(judge(inputWith(withoutStopping, { blindWindows: [{ from: 9 * second, to: 19 * second }] })).lost, 0, 'only 1 s of the stretch was in sight');
});

test('a wrong final state is lost; an instance DCM never heard of, created and deleted unseen, is not', () => {
  const notDeleted = faithful().slice(0, 3);
  const verdict = judge(inputWith(notDeleted));
  assert.equal(verdict.lost, 1);
  assert.match(verdict.findings[0]?.detail ?? '', /ends DELETED .* DCM's last event says STOPPED/);

  const truth = createTruthLog();
  truth.record('flash', 'PROVISIONING', 0);
  truth.record('flash', 'DELETED', 1 * second);
  assert.equal(judge(inputWith([], { truth: truth.history() })).lost, 0);
});

test('DCM already holding a state counts as told: A, an unseen blip, then A again needs no new event', () => {
  const truth = createTruthLog();
  truth.record('b', 'RUNNING', 0);
  truth.record('b', 'PAUSED', 5 * second);
  truth.record('b', 'RUNNING', 5.5 * second);
  truth.record('b', 'STOPPED', 15 * second);
  const verdict = judge(inputWith([event('b', 'RUNNING', 1 * second), event('b', 'STOPPED', 16 * second, { previous: 'RUNNING' })], { truth: truth.history() }));
  assert.equal(verdict.lost, 0);
});

test('duplicates: one event id stored twice, and a transition into the state DCM already held, within the window', () => {
  const events = faithful();
  const sameId = [...events.slice(0, 2), { ...(events[1] as DeliveredEvent), streamSequence: 99, storedAt: 12 * second }, ...events.slice(2)];
  assert.equal(judge(inputWith(sameId)).duplicates, 1);

  const sameTransition = [...events.slice(0, 2), event('a', 'STOPPING', 12 * second, { previous: 'RUNNING' }), ...events.slice(2)];
  assert.equal(judge(inputWith(sameTransition)).duplicates, 1);
  assert.equal(judge(inputWith(sameTransition, { duplicateWindowMs: 500 })).duplicates, 0, 'outside the window the stream could not have dropped it');
});

test('the same transition again after announcements of other states is news to DCM, not a duplicate', () => {
  const truth = createTruthLog();
  truth.record('c', 'STOPPING', 0);
  for (const [status, at] of [['STOPPED', 5], ['RUNNING', 10], ['STOPPING', 20], ['STOPPED', 30]] as const) truth.record('c', status, at * second);
  const events = [
    event('c', 'STOPPING', 1 * second),
    event('c', 'STOPPED', 6 * second, { previous: 'STOPPING' }),
    event('c', 'RUNNING', 11 * second),
    event('c', 'STOPPING', 21 * second),
    event('c', 'STOPPED', 31 * second, { previous: 'STOPPING' }),
  ];
  const verdict = judge(inputWith(events, { truth: truth.history() }));
  assert.deepEqual([verdict.duplicates, verdict.reannounced, verdict.lost], [0, 2, 0]);
});

test('re-announcements (resyncs, first sightings after a cache loss) are counted apart, not as duplicates', () => {
  const events = [...faithful().slice(0, 2), event('a', 'STOPPING', 12 * second, { resync: true }), event('a', 'STOPPING', 13 * second), ...faithful().slice(2)];
  const verdict = judge(inputWith(events));
  assert.deepEqual([verdict.duplicates, verdict.reannounced], [0, 2]);
});

test('DELETED before the platform deleted the instance is a false DELETED', () => {
  const early = [...faithful().slice(0, 3), event('a', 'DELETED', 25 * second, { previous: 'STOPPED' })];
  const verdict = judge(inputWith(early));
  assert.equal(verdict.falseDeleted, 1);
  assert.match(verdict.findings.find((finding) => finding.kind === 'false-deleted')?.detail ?? '', /existed until/);
});

test('events that are not status events, or name unknown instances, are malformed', () => {
  const bad: DeliveredEvent = { ...event('', '', 0), malformed: 'not JSON' };
  const stranger = event('zz', 'RUNNING', 2 * second);
  assert.equal(judge(inputWith([...faithful(), bad, stranger])).malformed, 2);
});

test('the sighted part of a stretch skips blind windows', () => {
  assert.equal(longestSightedStretch({ from: 0, to: 10 }, [{ from: 2, to: 4 }, { from: 3, to: 5 }]), 5);
  assert.equal(longestSightedStretch({ from: 0, to: 10 }, [{ from: -5, to: 20 }]), 0);
});

test('crash signs: an exit nobody caused, a stack outside the log, a fatal line, a TypeError; not a kill the suite made', () => {
  const clean = '{"level":30,"msg":"poll found no changes"}\n{"level":50,"msg":"publish failed","err":{"type":"BridgeError","message":"timeout","stack":"BridgeError: timeout\\n    at x (y.js:1:1)"}}\n';
  assert.deepEqual(crashSigns({ endedBy: 'SIGKILL', exit: { code: null, signal: 'SIGKILL' }, stderr: () => clean }), []);
  assert.deepEqual(crashSigns({ endedBy: 'SIGTERM', exit: { code: 0, signal: null }, stderr: () => clean }), []);
  assert.equal(crashSigns({ exit: { code: 1, signal: null }, stderr: () => clean }).length, 1, 'it exited by itself');
  assert.equal(crashSigns({ endedBy: 'SIGTERM', exit: { code: 1, signal: null }, stderr: () => clean }).length, 1);
  const uncaught = 'file:///x.js:3\nTypeError: Cannot read properties of undefined\n    at f (file:///x.js:3:1)\n    at g (file:///x.js:9:1)\n';
  assert.equal(crashSigns({ stderr: () => uncaught }).length, 1, 'one stack trace, counted once');
  assert.equal(crashSigns({ stderr: () => '{"level":60,"msg":"cannot go on"}\n' }).length, 1);
  assert.equal(crashSigns({ stderr: () => '{"level":50,"msg":"poll failed","err":{"type":"TypeError","message":"x is not a function"}}\n' }).length, 1);
});

test('the secret scan finds planted values as written, JSON-escaped, URL-encoded and in base64', () => {
  const secret = 'chaos-pass/"word"+1';
  const texts = [
    { source: 'log', text: `{"msg":"auth with ${JSON.stringify(secret).slice(1, -1)}"}` },
    { source: 'url', text: `https://x/?p=${encodeURIComponent(secret)}` },
    { source: 'header', text: `Basic ${Buffer.from(secret).toString('base64')}` },
    { source: 'clean', text: 'nothing to see' },
  ];
  assert.deepEqual(scanForSecrets(texts, [secret]).map((sighting) => `${sighting.source}:${sighting.form}`), ['log:JSON-escaped', 'url:URL-encoded', 'header:base64']);
  assert.throws(() => scanForSecrets(texts, ['short']), /at least 8 characters/);
});

test('convergence is read off the stream: when the last instance first reached its final state', () => {
  const truth = createTruthLog();
  truth.record('a', 'RUNNING', 0, { seeded: true });
  truth.record('a', 'STOPPED', 10 * second);
  truth.record('b', 'RUNNING', 0, { seeded: true });
  truth.record('c', 'PROVISIONING', 5 * second);
  truth.record('c', 'DELETED', 6 * second);
  const delivered = [event('a', 'RUNNING', 1 * second), event('b', 'RUNNING', 1 * second), event('a', 'STOPPED', 12 * second), event('a', 'STOPPED', 20 * second, { resync: true })];
  assert.equal(streamConvergedAt(truth.history(), delivered), 12 * second + 100, "a's STOPPED at 12 s (stored 100 ms later); the later resync changes nothing; c, never heard of and deleted, counts as converged");
  assert.equal(streamConvergedAt(truth.history(), delivered.slice(0, 2)), undefined, 'a still RUNNING for DCM: not converged');
  truth.record('b', 'PAUSED', 30 * second);
  assert.equal(streamConvergedAt(truth.history(), delivered), undefined, 'b never reported PAUSED');
});
