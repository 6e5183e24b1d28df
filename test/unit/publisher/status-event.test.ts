import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatusEvent, statusEventId, type StatusEventInput } from '../../../src/publisher/index.js';

const input: StatusEventInput = {
  providerName: 'legacy-bridge',
  endpoint: 'vc-lab',
  platform: 'vsphere',
  serviceType: 'vm',
  platformId: 'vm-42',
  instanceId: 'inst-42',
  status: 'RUNNING',
  previousStatus: 'PROVISIONING',
  message: 'VM web is running',
  observedAt: Date.UTC(2026, 10, 23, 12, 0, 0, 250),
  sequence: 3,
};

test('the event has exactly the contract DCM consumes', () => {
  const outgoing = buildStatusEvent(input);
  const event = JSON.parse(outgoing.body) as Record<string, unknown>;
  assert.equal(outgoing.subject, 'dcm.vm');
  assert.equal(event['specversion'], '1.0');
  assert.equal(event['id'], outgoing.id);
  assert.match(String(event['id']), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v5');
  assert.equal(event['source'], 'dcm/providers/legacy-bridge');
  assert.equal(event['type'], 'dcm.status.vm');
  assert.equal(event['subject'], 'dcm.vm');
  assert.equal(event['time'], '2026-11-23T12:00:00.250Z');
  assert.equal(event['datacontenttype'], 'application/json');
  assert.deepEqual(event['data'], { id: 'inst-42', status: 'RUNNING', message: 'VM web is running' });
  for (const key of Object.keys(event)) assert.match(key, /^[a-z0-9]+$/, `attribute ${key} is lowercase alphanumeric`);
  assert.equal(event['dcmendpoint'], 'vc-lab');
  assert.equal(event['dcmpreviousstatus'], 'PROVISIONING');
  assert.equal(event['dcmresync'], false);
});

test('ids are deterministic per endpoint, instance and sequence, and differ otherwise', () => {
  assert.equal(buildStatusEvent(input).id, buildStatusEvent({ ...input, message: 'other text', observedAt: 0 }).id, 'a retry rebuilds the same id');
  const ids = new Set([
    statusEventId(input),
    statusEventId({ ...input, sequence: 4 }),
    statusEventId({ ...input, platformId: 'vm-43' }),
    statusEventId({ ...input, endpoint: 'vc-prod' }),
    statusEventId({ ...input, resyncRound: 1 }),
    statusEventId({ ...input, resyncRound: 2 }),
  ]);
  assert.equal(ids.size, 6);
});

test('a resync event is marked and has a fresh id', () => {
  const event = JSON.parse(buildStatusEvent({ ...input, previousStatus: undefined, resyncRound: 99 }).body) as Record<string, unknown>;
  assert.equal(event['dcmresync'], true);
  assert.equal(event['dcmpreviousstatus'], undefined);
  assert.notEqual(event['id'], statusEventId(input));
});
