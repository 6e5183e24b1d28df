import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock } from '../../src/clock/index.js';
import { createFakeClock } from '../support/fake-clock.js';
import { createDcmRegistrar, providerRegistration, type RegistrationOutcome } from '../../src/dcm-registration/index.js';
import { freePort } from '../support/servers.js';
import { memoryLogger } from '../support/harness.js';

interface ReceivedRegistration {
  readonly path: string;
  readonly contentType: string;
  readonly body: unknown;
  /** Fake time when it arrived. */
  readonly at: number;
}

/** A stand-in for DCM's service provider manager: answers each POST with the next status of `answers` (the last one repeats). */
async function fakeDcm(answers: readonly number[], clock: Clock): Promise<{ url: string; received: ReceivedRegistration[]; close(): Promise<void> }> {
  const received: ReceivedRegistration[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body: JSON.parse(text), at: clock.now() });
      const status = answers[Math.min(received.length, answers.length) - 1] ?? 500;
      const body = status === 409 ? { type: 'https://dcm-project.github.io/problems/already-exists', title: 'Already exists', status, detail: 'provider legacy-bridge is already registered' } : { status };
      response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1alpha1`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Outcomes as they come, awaitable one at a time. */
function outcomeQueue(): { push(outcome: RegistrationOutcome): void; next(): Promise<RegistrationOutcome> } {
  const buffered: RegistrationOutcome[] = [];
  const waiting: Array<(outcome: RegistrationOutcome) => void> = [];
  return {
    push(outcome) {
      const waiter = waiting.shift();
      if (waiter) waiter(outcome);
      else buffered.push(outcome);
    },
    next() {
      const ready = buffered.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

const registration = providerRegistration({ providerName: 'legacy-bridge', publicBaseUrl: 'http://bridge.example:8080/', displayName: 'Legacy VMs', regionCode: 'eu-west', zone: 'zone-a' });

test('the registration body follows DCM’s provider contract', () => {
  assert.deepEqual(registration, {
    name: 'legacy-bridge',
    endpoint: 'http://bridge.example:8080/api/v1alpha1/vms',
    service_type: 'vm',
    schema_version: 'v1alpha1',
    display_name: 'Legacy VMs',
    metadata: { region_code: 'eu-west', zone: 'zone-a' },
  });
  assert.deepEqual(providerRegistration({ providerName: 'b', publicBaseUrl: 'https://b.example', displayName: '', regionCode: '', zone: '' }), { name: 'b', endpoint: 'https://b.example/api/v1alpha1/vms', service_type: 'vm', schema_version: 'v1alpha1', metadata: {} });
});

test('503 twice, then 201: retried after 1 s and 2 s of backoff, then re-registered every 60 s', async () => {
  const clock = createFakeClock();
  const start = clock.now();
  const dcm = await fakeDcm([503, 503, 201], clock);
  const outcomes = outcomeQueue();
  const { logger, lines } = memoryLogger();
  const registrar = createDcmRegistrar({ registrationUrl: dcm.url, registration, clock, logger, onOutcome: (outcome) => outcomes.push(outcome) });

  registrar.start();
  assert.deepEqual(await outcomes.next(), { kind: 'failed', reason: 'DCM answered HTTP 503' });
  await clock.advance(999);
  assert.equal(dcm.received.length, 1, 'no retry before the first backoff of 1 s');
  await clock.advance(1);
  assert.equal((await outcomes.next()).kind, 'failed');
  await clock.advance(1999);
  assert.equal(dcm.received.length, 2, 'the second backoff is 2 s');
  await clock.advance(1);
  assert.deepEqual(await outcomes.next(), { kind: 'accepted', status: 201 });
  await clock.advance(60_000);
  assert.deepEqual(await outcomes.next(), { kind: 'accepted', status: 201 });

  assert.deepEqual(dcm.received.map((request) => request.at - start), [0, 1000, 3000, 63_000]);
  assert.ok(dcm.received.every((request) => request.path === '/api/v1alpha1/providers' && request.contentType === 'application/json'));
  assert.deepEqual(dcm.received[0]?.body, registration);
  assert.ok(lines.some((line) => line.includes('registered with DCM as legacy-bridge')));
  await registrar.stop();
  assert.equal(clock.pendingCount(), 0, 'stop cancels the next registration');
  await dcm.close();
});

test('409 is logged as a refusal and never retried', async () => {
  const clock = createFakeClock();
  const dcm = await fakeDcm([409], clock);
  const outcomes = outcomeQueue();
  const { logger, lines } = memoryLogger();
  const registrar = createDcmRegistrar({ registrationUrl: dcm.url, registration, clock, logger, onOutcome: (outcome) => outcomes.push(outcome) });
  registrar.start();
  assert.deepEqual(await outcomes.next(), { kind: 'rejected', status: 409, detail: 'provider legacy-bridge is already registered' });
  assert.equal(clock.pendingCount(), 0, 'nothing scheduled');
  await clock.advance(10 * 60_000);
  assert.equal(dcm.received.length, 1);
  const refusal = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => line.msg.startsWith('DCM refused the registration'));
  assert.ok(refusal, lines.join(''));
  assert.equal(refusal.level, 50, 'logged as an error');
  assert.match(refusal.msg, /HTTP 409: provider legacy-bridge is already registered\); not retrying/);
  await registrar.stop();
  await dcm.close();
});

test('a transport error is retried with backoff, capped at 60 s', async () => {
  const clock = createFakeClock();
  const outcomes = outcomeQueue();
  const { logger } = memoryLogger();
  const closedPort = await freePort();
  const registrar = createDcmRegistrar({ registrationUrl: `http://127.0.0.1:${closedPort}`, registration, clock, logger, onOutcome: (outcome) => outcomes.push(outcome) });
  registrar.start();
  const delays: number[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    assert.equal((await outcomes.next()).kind, 'failed');
    const before = clock.now();
    await clock.runNext();
    delays.push(clock.now() - before);
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  await outcomes.next();
  await registrar.stop();
});
