// The AsyncAPI document (api/asyncapi.yaml) against the AsyncAPI parser and against the code: its enums are the
// code's, its schemas accept what the builders produce and refuse an event missing any required field.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DiagnosticSeverity } from '@asyncapi/parser';
import { settingsSchema } from '../../src/config/schema.js';
import { createHealthAnnouncer, healthStates, type PollHistory } from '../../src/health/index.js';
import { eventMessageMaxChars, serviceTypes, statusesByServiceType, type ServiceType } from '../../src/normalize/index.js';
import { buildStatusEvent, type StatusEventInput } from '../../src/publisher/index.js';
import { builtinAdapters } from '../../src/registry/builtin-adapters.js';
import { memoryLogger } from '../support/harness.js';
import { createFakeClock } from '../support/fake-clock.js';
import { loadEventContract, type EventContract } from './asyncapi-contract.js';

let contract: EventContract;
before(async () => {
  contract = await loadEventContract();
});

const healthSubject = (settingsSchema as { health: { subject: { default: string } } }).health.subject.default;
const statusHeaders = (id: string) => ({ 'Content-Type': 'application/cloudevents+json', 'Nats-Msg-Id': id });
type Schema = { properties: Record<string, Schema>; required?: string[]; enum?: string[]; allOf?: Schema[]; oneOf?: Schema[]; maxLength?: number };
const payloadOf = (address: string): Schema => contract.message(address).payload as unknown as Schema;

const statusInput = (serviceType: ServiceType, overrides: Partial<StatusEventInput> = {}): StatusEventInput => ({
  providerName: 'legacy-bridge',
  endpoint: 'vc-lab',
  platform: 'vsphere',
  serviceType,
  platformId: 'vm-1042',
  instanceId: 'inst-42',
  status: statusesByServiceType[serviceType][1],
  previousStatus: statusesByServiceType[serviceType][0],
  message: 'VM web-42 is running (vsphere: POWERED_ON)',
  observedAt: Date.UTC(2026, 10, 23, 12, 0, 0, 250),
  sequence: 2,
  epoch: 'epoch-1',
  ...overrides,
});

/** The health events the real announcer sends for an endpoint that succeeds, fails, fails twice more, recovers, is degraded, enters a maintenance window; and for one whose first poll failed. */
async function announcedHealthEvents(): Promise<Array<Record<string, unknown>>> {
  const bodies: string[] = [];
  const clock = createFakeClock();
  const announcer = createHealthAnnouncer({ publisher: { announce: async (_subject, body) => void bodies.push(body) }, subject: healthSubject, providerName: 'legacy-bridge', clock, logger: memoryLogger().logger });
  const histories: PollHistory[] = [
    { consecutiveFailures: 0, lastSuccessAt: clock.now() },
    { consecutiveFailures: 1, lastSuccessAt: clock.now(), lastError: { message: 'connect ECONNREFUSED 10.0.0.5:443' } },
    { consecutiveFailures: 3, lastSuccessAt: clock.now(), lastError: { message: 'connect ECONNREFUSED 10.0.0.5:443' } },
    { consecutiveFailures: 0, lastSuccessAt: clock.now() + 30_000 },
    { consecutiveFailures: 0, lastSuccessAt: clock.now() + 40_000, deletionsHeld: { reason: '40 of 50 instances vanished at once' } },
    { consecutiveFailures: 2, lastSuccessAt: clock.now() + 40_000, lastError: { message: 'HTTP 503' }, maintenance: { active: true, endsAt: clock.now() + 3_600_000 } },
  ];
  for (const history of histories) {
    await announcer.observe('vc-lab', history);
    await clock.advance(10_000);
  }
  await announcer.observe('never-polled', { consecutiveFailures: 1, lastError: { message: 'HTTP 401' } });
  return bodies.map((body) => JSON.parse(body) as Record<string, unknown>);
}

test('the AsyncAPI parser accepts api/asyncapi.yaml (3.0.0) without errors or warnings', () => {
  assert.equal(contract.document.version(), '3.0.0');
  const serious = contract.diagnostics.filter((diagnostic) => diagnostic.severity === DiagnosticSeverity.Error || diagnostic.severity === DiagnosticSeverity.Warning);
  assert.deepEqual(serious.map((diagnostic) => `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`), []);
});

test('there is one channel per service type (dcm.<serviceType>) and the health subject, each with its send operation and NATS binding', () => {
  assert.deepEqual([...contract.addresses()].sort(), [...serviceTypes.map((serviceType) => `dcm.${serviceType}`), healthSubject].sort());
  const reported = new Set(builtinAdapters().flatMap((adapter) => adapter.serviceTypes));
  for (const serviceType of reported) {
    const channel = contract.document.channels().all().find((candidate) => candidate.address() === `dcm.${serviceType}`);
    assert.doesNotMatch(String(channel?.json('title')), /reserved/i, `dcm.${serviceType} is published by a shipped adapter, so not reserved`);
  }
  for (const operation of contract.document.operations().all()) {
    assert.equal(operation.action(), 'send', `${operation.id()}: the document describes the bridge, which sends`);
    assert.equal(operation.bindings().get('nats')?.version(), '0.1.0', `${operation.id()} has a NATS binding`);
  }
  assert.deepEqual(contract.document.operations().all().map((operation) => operation.channels().all()[0]?.address()).sort(), [...contract.addresses()].sort(), 'every channel has its operation');
});

test("each status channel's enums are the code's: data.status and dcmpreviousstatus, dcmplatform the shipped adapters, message bound", () => {
  for (const serviceType of serviceTypes) {
    const payload = payloadOf(`dcm.${serviceType}`);
    assert.deepEqual(payload.properties['data']?.properties['status']?.enum, [...statusesByServiceType[serviceType]], `dcm.${serviceType} data.status`);
    const previous = payload.properties['dcmpreviousstatus'];
    assert.deepEqual(previous?.enum ?? previous?.allOf?.[0]?.enum, [...statusesByServiceType[serviceType]], `dcm.${serviceType} dcmpreviousstatus`);
    assert.deepEqual(payload.properties['dcmplatform']?.enum, builtinAdapters().map((adapter) => adapter.platform).sort(), `dcm.${serviceType} dcmplatform`);
    assert.equal(payload.properties['data']?.properties['message']?.maxLength, eventMessageMaxChars);
  }
});

test("the health channel's status and previous_status enums are the code's health states", () => {
  const data = payloadOf(healthSubject).properties['data'];
  assert.deepEqual(data?.properties['status']?.enum, [...healthStates]);
  assert.deepEqual(data?.properties['previous_status']?.oneOf?.[0]?.enum, [...healthStates]);
});

test("every example in the document matches its message's schemas, and a status example's Nats-Msg-Id is its id", () => {
  let count = 0;
  for (const address of contract.addresses()) {
    for (const example of contract.message(address).examples) {
      count++;
      assert.deepEqual(contract.check(address, { headers: example.headers ?? {}, payload: example.payload }), [], `example ${example.name} on ${address}`);
      if (address.startsWith('dcm.') && address !== healthSubject) assert.equal(example.headers?.['Nats-Msg-Id'], (example.payload as { id: string }).id);
    }
  }
  assert.ok(count >= 4, `${count} examples`);
});

test('status events as buildStatusEvent writes them match their channel: every service type, with and without a previous status, resyncs', () => {
  for (const serviceType of serviceTypes) {
    const inputs = [statusInput(serviceType), statusInput(serviceType, { previousStatus: undefined }), statusInput(serviceType, { previousStatus: undefined, resyncRound: 3 })];
    for (const status of statusesByServiceType[serviceType]) inputs.push(statusInput(serviceType, { status, previousStatus: undefined }));
    for (const input of inputs) {
      const event = buildStatusEvent(input);
      assert.deepEqual(contract.check(event.subject, { headers: statusHeaders(event.id), payload: JSON.parse(event.body) }), [], event.body);
    }
  }
});

test('health events as the announcer sends them match the health channel: every state, a first announcement, no success yet', async () => {
  const events = await announcedHealthEvents();
  assert.deepEqual([...new Set(events.map((event) => (event['data'] as { status: string }).status))].sort(), [...healthStates].sort(), 'every health state was announced');
  for (const event of events) assert.deepEqual(contract.check(healthSubject, { headers: {}, payload: event }), [], JSON.stringify(event));
});

test('each schema refuses an event missing any one of its required fields, at the top and in data, and a status not in the enum', async () => {
  const valid: Array<{ address: string; headers: Record<string, string>; payload: Record<string, unknown> }> = serviceTypes.map((serviceType) => {
    const event = buildStatusEvent(statusInput(serviceType));
    return { address: event.subject, headers: statusHeaders(event.id), payload: JSON.parse(event.body) as Record<string, unknown> };
  });
  const [health] = await announcedHealthEvents();
  assert.ok(health);
  valid.push({ address: healthSubject, headers: {}, payload: health });

  for (const { address, headers, payload } of valid) {
    const schema = payloadOf(address);
    assert.ok((schema.required ?? []).length >= 8, `${address} requires the CloudEvent attributes`);
    for (const field of schema.required ?? []) {
      const { [field]: _left, ...missing } = payload;
      const violations = contract.check(address, { headers, payload: missing });
      assert.ok(violations.some((violation) => violation.includes(`"missingProperty":"${field}"`)), `${address} without ${field}: ${violations.join('; ')}`);
    }
    const data = payload['data'] as Record<string, unknown>;
    for (const field of schema.properties['data']?.required ?? []) {
      const { [field]: _left, ...missing } = data;
      const violations = contract.check(address, { headers, payload: { ...payload, data: missing } });
      assert.ok(violations.some((violation) => violation.startsWith('payload/data') && violation.includes(`"missingProperty":"${field}"`)), `${address} without data.${field}: ${violations.join('; ')}`);
    }
    assert.notDeepEqual(contract.check(address, { headers, payload: { ...payload, data: { ...data, status: 'Running' } } }), [], `${address}: a status outside the enum`);
    assert.notDeepEqual(contract.check(address, { headers, payload: { ...payload, unexpected: 1 } }), [], `${address}: an attribute the bridge does not send`);
  }
});

test('the headers schemas refuse a status event without Nats-Msg-Id or Content-Type, and a health event with headers', () => {
  const event = buildStatusEvent(statusInput('vm'));
  const payload = JSON.parse(event.body) as unknown;
  for (const header of ['Nats-Msg-Id', 'Content-Type'] as const) {
    const { [header]: _left, ...missing } = statusHeaders(event.id);
    const violations = contract.check('dcm.vm', { headers: missing, payload });
    assert.ok(violations.some((violation) => violation.startsWith('headers') && violation.includes(header)), `without ${header}: ${violations.join('; ')}`);
  }
  assert.notDeepEqual(contract.check('dcm.vm', { headers: { ...statusHeaders(event.id), 'Content-Type': 'application/json' }, payload }), [], 'binary-mode content type');
  assert.notDeepEqual(contract.check(healthSubject, { headers: { 'Nats-Msg-Id': event.id }, payload: {} }), []);
});
