import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import fc from 'fast-check';
import { buildStatusEvent, readStatusEvent, statusEventId, type StatusEventInput } from '../../../src/publisher/index.js';

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
  epoch: '0b9c3f5e-2d4a-4e8b-9f61-7a2c5d8e1b30',
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

test('ids name the content: the same transition keeps its id, any other transition gets another', () => {
  assert.equal(buildStatusEvent(input).id, buildStatusEvent({ ...input, message: 'other text', observedAt: 0 }).id, 'a retry rebuilds the same id');
  const variants: Array<Partial<StatusEventInput>> = [
    {},
    { sequence: 4 },
    { platformId: 'vm-43' },
    { instanceId: 'inst-43' },
    { endpoint: 'vc-prod' },
    { status: 'PAUSED' },
    { previousStatus: 'STOPPED' },
    { previousStatus: undefined },
    { epoch: 'another-epoch' },
    { resyncRound: 1 },
    { resyncRound: 2 },
  ];
  const ids = new Set(variants.map((variant) => statusEventId({ ...input, ...variant })));
  assert.equal(ids.size, variants.length, 'every variant of the content has its own id');
});

test('a resync event is marked and has a fresh id', () => {
  const event = JSON.parse(buildStatusEvent({ ...input, previousStatus: undefined, resyncRound: 99 }).body) as Record<string, unknown>;
  assert.equal(event['dcmresync'], true);
  assert.equal(event['dcmpreviousstatus'], undefined);
  assert.notEqual(event['id'], statusEventId(input));
});

test('an event read back from the stream gives the state it told; anything else is not ours', () => {
  const body = buildStatusEvent(input).body;
  assert.deepEqual(readStatusEvent(body, 'legacy-bridge'), {
    endpoint: 'vc-lab',
    platformId: 'vm-42',
    instanceId: 'inst-42',
    status: 'RUNNING',
    message: 'VM web is running',
    observedTime: '2026-11-23T12:00:00.250Z',
  });
  assert.equal(readStatusEvent(body, 'another-provider'), undefined, "another provider's event on dcm.vm");
  assert.equal(readStatusEvent('not json {', 'legacy-bridge'), undefined);
  assert.equal(readStatusEvent('null', 'legacy-bridge'), undefined);
  const withoutExtensions = JSON.parse(body) as Record<string, unknown>;
  delete withoutExtensions['dcmplatformid'];
  assert.equal(readStatusEvent(JSON.stringify(withoutExtensions), 'legacy-bridge'), undefined, 'no platform id: cannot be matched to an instance');
  assert.equal(readStatusEvent(JSON.stringify({ ...JSON.parse(body), data: null }), 'legacy-bridge'), undefined);
});

// The hot path writes the JSON itself (no CloudEvent object per event); the library stays the judge.
test('the body is byte for byte what the cloudevents library serialises, and passes its validation', () => {
  fc.assert(
    fc.property(
      fc.record({
        providerName: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        endpoint: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        platform: fc.constantFrom('vsphere', 'openstack', 'ec2'),
        serviceType: fc.constantFrom('vm', 'container', 'cluster'),
        platformId: fc.string({ minLength: 1 }),
        instanceId: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/),
        status: fc.constantFrom('RUNNING', 'STOPPED', 'DELETED', 'FAILED'),
        previousStatus: fc.option(fc.constantFrom('RUNNING', 'PROVISIONING'), { nil: undefined }),
        message: fc.string({ unit: 'binary' }),
        observedAt: fc.integer({ min: 0, max: Date.UTC(2100, 0) }),
        sequence: fc.integer({ min: 1, max: 1_000_000 }),
        epoch: fc.uuid(),
        resyncRound: fc.option(fc.integer({ min: 0 }), { nil: undefined }),
      }),
      (drawn) => {
        const fields = { ...drawn, serviceType: drawn.serviceType as StatusEventInput['serviceType'] };
        const { resyncRound, ...rest } = fields;
        const eventInput: StatusEventInput = resyncRound === undefined ? rest : { ...rest, resyncRound };
        const outgoing = buildStatusEvent(eventInput);
        const reference = new CloudEvent({
          specversion: '1.0',
          id: outgoing.id,
          source: `dcm/providers/${eventInput.providerName}`,
          type: `dcm.status.${eventInput.serviceType}`,
          subject: `dcm.${eventInput.serviceType}`,
          time: new Date(eventInput.observedAt).toISOString(),
          datacontenttype: 'application/json',
          data: { id: eventInput.instanceId, status: eventInput.status, message: eventInput.message },
          dcmendpoint: eventInput.endpoint,
          dcmplatform: eventInput.platform,
          dcmplatformid: eventInput.platformId,
          dcmresync: eventInput.resyncRound !== undefined,
          ...(eventInput.previousStatus ? { dcmpreviousstatus: eventInput.previousStatus } : {}),
        });
        assert.equal(outgoing.body, JSON.stringify(reference));
        assert.equal(new CloudEvent(JSON.parse(outgoing.body) as Record<string, unknown>).validate(), true);
      },
    ),
    { numRuns: 300 },
  );
});
