import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { describeEvent, readCloudEvent, type CloudEventFields } from '../../../examples/event-line.js';
import { createHealthAnnouncer } from '../../../src/health/index.js';
import { buildStatusEvent, type StatusEventInput } from '../../../src/publisher/index.js';
import { createFakeClock } from '../../support/fake-clock.js';

const transition: StatusEventInput = {
  providerName: 'demo-bridge',
  endpoint: 'vc-demo',
  platform: 'vsphere',
  serviceType: 'vm',
  platformId: 'vm-1301',
  instanceId: 'inst-00301',
  status: 'STOPPED',
  previousStatus: 'RUNNING',
  message: 'powered off',
  observedAt: Date.UTC(2026, 11, 2),
  sequence: 2,
  epoch: 'e1',
};

function eventOf(body: string): CloudEventFields {
  const read = readCloudEvent(body);
  assert.ok('event' in read, `a CloudEvent: ${JSON.stringify(read)}`);
  return read.event;
}

test('a status event as the bridge publishes it reads as one line: kind, DCM id, transition, endpoint', () => {
  assert.equal(describeEvent(eventOf(buildStatusEvent(transition).body)), 'vm inst-00301 RUNNING → STOPPED (vc-demo)');
  assert.equal(describeEvent(eventOf(buildStatusEvent({ ...transition, previousStatus: undefined, status: 'RUNNING', sequence: 1 }).body)), 'vm inst-00301 RUNNING (vc-demo)', 'a first sighting has no arrow');
  assert.equal(describeEvent(eventOf(buildStatusEvent({ ...transition, resyncRound: 3 }).body)), 'vm inst-00301 RUNNING → STOPPED (vc-demo, resync)');
});

test('DELETED and FAILED lines carry the message (the platform evidence); other statuses do not', () => {
  const deleted = buildStatusEvent({ ...transition, status: 'DELETED', message: 'GET /vcenter/vm/vm-1301 answered 404' });
  assert.equal(describeEvent(eventOf(deleted.body)), 'vm inst-00301 RUNNING → DELETED (vc-demo): GET /vcenter/vm/vm-1301 answered 404');
  const failed = buildStatusEvent({ ...transition, status: 'FAILED', message: 'unknown raw state "weird"' });
  assert.match(describeEvent(eventOf(failed.body)), /→ FAILED \(vc-demo\): unknown raw state "weird"$/);
});

test('an endpoint health event, as the health announcer publishes it, reads as the endpoint, its transition and the reason', async () => {
  const bodies: string[] = [];
  const announcer = createHealthAnnouncer({ publisher: { announce: async (_subject, body) => void bodies.push(body) }, subject: 'dcm.bridge.health', providerName: 'demo-bridge', clock: createFakeClock(), logger: pino({ level: 'silent' }) });
  await announcer.observe('os-demo', { consecutiveFailures: 0, lastSuccessAt: 1 });
  await announcer.observe('os-demo', { consecutiveFailures: 3, lastSuccessAt: 1, lastError: { message: 'HTTP 503' } });
  assert.deepEqual(
    bodies.map((body) => describeEvent(eventOf(body))),
    ['endpoint os-demo healthy: the last poll succeeded', 'endpoint os-demo healthy → unavailable: 3 consecutive polls failed; last: HTTP 503'],
  );
});

test('a body that is not a CloudEvent is named as such, never thrown; an unknown event type reads as type and id', () => {
  assert.match(JSON.stringify(readCloudEvent('{"id":')), /not JSON/);
  assert.deepEqual(readCloudEvent('[1]'), { problem: 'not a JSON object' });
  assert.deepEqual(readCloudEvent('{"id":"x","type":"t"}'), { problem: 'not a CloudEvent: no specversion, source' });
  assert.equal(describeEvent(eventOf('{"specversion":"1.0","id":"e-1","type":"com.example.other","source":"x"}')), 'com.example.other e-1');
  assert.equal(describeEvent(eventOf('{"specversion":"1.0","id":"e-2","type":"dcm.status.vm","source":"x","data":null}')), 'vm ? ?', 'missing fields show as ?, not as a crash');
});
