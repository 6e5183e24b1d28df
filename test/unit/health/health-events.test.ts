import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createHealthAnnouncer } from '../../../src/health/index.js';
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

test('a health change the broker could not take is announced at the next verdict, from what was last announced', async () => {
  const { lab, announcer } = announcerLab();
  await announcer.observe('lab', healthy);
  lab.brokerAway = true;
  await announcer.observe('lab', unhealthy);
  lab.brokerAway = false;
  await announcer.observe('lab', unhealthy);
  assert.deepEqual(
    lab.sent.map((data) => `${String(data.previous_status)}>${data.status}`),
    ['null>healthy', 'healthy>unhealthy'],
    'the refused change is announced once the broker is back, its previous status the one subscribers last heard',
  );
});

test('a refused change that is undone before the broker is back is not announced at all', async () => {
  const { lab, announcer } = announcerLab();
  await announcer.observe('lab', healthy);
  lab.brokerAway = true;
  await announcer.observe('lab', unhealthy);
  lab.brokerAway = false;
  await announcer.observe('lab', healthy);
  assert.deepEqual(lab.sent.map((data) => data.status), ['healthy'], 'subscribers already hold "healthy"');
});

test('the first verdict refused is announced at the next one', async () => {
  const { lab, announcer } = announcerLab();
  lab.brokerAway = true;
  await announcer.observe('lab', unhealthy);
  lab.brokerAway = false;
  await announcer.observe('lab', unhealthy);
  assert.deepEqual(lab.sent.map((data) => `${String(data.previous_status)}>${data.status}`), ['null>unhealthy']);
});
