import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusEventId } from '../../src/publisher/index.js';
import { instances, useHarness } from '../support/harness.js';

const harness = useHarness();

test('first poll: one event per instance; unchanged: none; one change: exactly one, as DCM receives it', async () => {
  harness().setPlatform('lab', { instances: instances(5), pageSize: 2 });
  const bridge = await harness().bridge(harness().config());

  const first = await bridge.runOnce();
  assert.ok(first.ok, JSON.stringify(first.endpoints));
  let received = await harness().dcm.messages();
  assert.equal(received.length, 5, 'one event per managed instance');
  assert.deepEqual(received.map((message) => message.event.data.id).sort(), ['inst-1', 'inst-2', 'inst-3', 'inst-4', 'inst-5']);
  assert.ok(received.every((message) => message.event.data.status === 'RUNNING'));

  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await harness().dcm.messages()).length, 5, 'an unchanged poll publishes nothing');

  const changed = instances(5);
  changed[2] = { ...changed[2]!, rawState: 'off' };
  harness().setPlatform('lab', { instances: changed, pageSize: 2 });
  const before = Date.now();
  assert.ok((await bridge.runOnce()).ok);
  received = await harness().dcm.messages();
  assert.equal(received.length, 6, 'exactly one more event');

  const message = received[5]!;
  assert.equal(message.subject, 'dcm.vm');
  const { id: epoch } = await bridge.cache.currentEpoch();
  const expectedId = statusEventId({ endpoint: 'lab', platformId: 'vm-3', instanceId: 'inst-3', sequence: 2, status: 'STOPPED', previousStatus: 'RUNNING', epoch });
  assert.equal(message.headers['Nats-Msg-Id'], expectedId, 'Nats-Msg-Id is the event id');
  const event = message.event;
  assert.deepEqual(Object.keys(event).sort(), ['data', 'datacontenttype', 'dcmendpoint', 'dcmplatform', 'dcmplatformid', 'dcmpreviousstatus', 'dcmresync', 'id', 'source', 'specversion', 'subject', 'time', 'type']);
  assert.equal(event['specversion'], '1.0');
  assert.equal(event['id'], expectedId);
  assert.equal(event['source'], 'dcm/providers/test-bridge');
  assert.equal(event['type'], 'dcm.status.vm');
  assert.equal(event['subject'], 'dcm.vm');
  assert.equal(event['datacontenttype'], 'application/json');
  const time = String(event['time']);
  assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'RFC 3339 UTC');
  assert.ok(Date.parse(time) >= before - 1000 && Date.parse(time) <= Date.now(), 'time is when the state was observed');
  assert.deepEqual(event.data, { id: 'inst-3', status: 'STOPPED', message: 'VM web-3 is stopped (file: off)' });
  assert.equal(event['dcmpreviousstatus'], 'RUNNING');
  assert.equal(event['dcmendpoint'], 'lab');
  assert.equal(event['dcmresync'], false);
});

test('instances with an id DCM cannot route are not published, and not counted missing', async () => {
  harness().setPlatform('odd', { instances: [...instances(2), { platformId: 'vm-bad', instanceId: 'Not_A_Label', rawState: 'on' }, { platformId: 'vm-none', instanceId: undefined, rawState: 'on' }] });
  const bridge = await harness().bridge(harness().config({ endpoints: ['odd'] }));
  const beforeCount = (await harness().dcm.messages()).length;
  const result = await bridge.runOnce();
  assert.ok(result.ok);
  const published = (await harness().dcm.messages()).slice(beforeCount);
  assert.deepEqual(published.map((message) => message.event.data.id).sort(), ['inst-1', 'inst-2']);
  assert.equal(result.endpoints[0]?.lastReport?.invalidIds, 2);
  const metrics = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_invalid_instance_ids_total');
  assert.match(metrics, /endpoint="odd"} 2/);
});

test('an instance listed on two pages is counted, published and reported once', async () => {
  const [first, second] = instances(2);
  const invalid = { platformId: 'vm-bad', instanceId: 'Not_A_Label', rawState: 'on' };
  // Pages of 2: vm-1 is on pages 1 and 2, vm-bad on pages 2 and 3 (a cursor crossing a concurrent change lists such twice).
  harness().setPlatform('twice', { instances: [first!, second!, first!, invalid, invalid], pageSize: 2 });
  const bridge = await harness().bridge(harness().config({ endpoints: ['twice'] }));
  const beforeCount = (await harness().dcm.messages()).length;
  const result = await bridge.runOnce();
  assert.ok(result.ok, JSON.stringify(result.endpoints));
  const published = (await harness().dcm.messages()).slice(beforeCount);
  assert.deepEqual(published.map((message) => message.event.data.id).sort(), ['inst-1', 'inst-2']);
  const report = result.endpoints[0]?.lastReport;
  assert.equal(report?.observed, 2);
  assert.equal(report?.countsByStatus.RUNNING, 2, 'each running instance counted once');
  assert.equal(report?.invalidIds, 1, 'the instance with an invalid id counted once');
  const metrics = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_invalid_instance_ids_total');
  assert.match(metrics, /endpoint="twice"} 1/);
});
