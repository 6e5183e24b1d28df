import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createHealthAnnouncer, type PollHistory } from '../../../src/health/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

/** An announcer whose publisher refuses while `brokerAway` is true, and keeps the bodies it sent. */
function announcerLab() {
  const sent: Array<{ status: string; previous_status: string | null }> = [];
  const lab = { brokerAway: false, sent };
  const announcer = createHealthAnnouncer({
    publisher: {
      announce: async (_subject, body) => {
        if (lab.brokerAway) throw new Error('the connection to NATS is down and the client is reconnecting');
        sent.push((JSON.parse(body) as { data: { status: string; previous_status: string | null } }).data);
      },
    },
    subject: 'dcm.bridge.health',
    providerName: 'test',
    clock: createFakeClock(),
    logger: pino({ level: 'silent' }),
  });
  return { lab, announcer };
}

const healthy = { consecutiveFailures: 0, lastSuccessAt: 1 };
const unhealthy = { consecutiveFailures: 1, lastError: { code: 'PLATFORM_HTTP', message: 'HTTP 503', at: 2 } };

/** What subscribers hear (`previous>status`) across a verdict before the broker goes away (if any), one while it is away, and one after it is back. */
async function heardAcross(verdicts: { readonly before?: PollHistory; readonly whileAway: PollHistory; readonly after: PollHistory }): Promise<string[]> {
  const { lab, announcer } = announcerLab();
  if (verdicts.before) await announcer.observe('lab', verdicts.before);
  lab.brokerAway = true;
  await announcer.observe('lab', verdicts.whileAway);
  lab.brokerAway = false;
  await announcer.observe('lab', verdicts.after);
  return lab.sent.map((data) => `${String(data.previous_status)}>${data.status}`);
}

test('a health change the broker could not take is announced at the next verdict, from what was last announced', async () => {
  assert.deepEqual(await heardAcross({ before: healthy, whileAway: unhealthy, after: unhealthy }), ['null>healthy', 'healthy>unhealthy']);
});

test('a refused change that is undone before the broker is back is not announced at all', async () => {
  assert.deepEqual(await heardAcross({ before: healthy, whileAway: unhealthy, after: healthy }), ['null>healthy'], 'subscribers already hold "healthy"');
});

test('the first verdict refused is announced at the next one', async () => {
  assert.deepEqual(await heardAcross({ whileAway: unhealthy, after: unhealthy }), ['null>unhealthy']);
});
