import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createNormalizer, defineStateTable } from '../../../src/normalize/index.js';

const table = defineStateTable('lab', { on: 'RUNNING', off: 'STOPPED', napping: 'PAUSED' }, { napping: 'suspended to memory' });

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  return { logger: pino({ level: 'warn' }, destination), lines };
}

test('known raw states map through the table, with a message naming both states', () => {
  const { logger } = captureLogger();
  const normalize = createNormalizer({ table, logger });
  const state = normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'napping', name: 'web-1' });
  assert.equal(state.status, 'PAUSED');
  assert.match(state.message, /web-1 is paused \(lab: suspended to memory\)/);
  assert.equal(normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'on' }).status, 'RUNNING');
});

test('an unset raw state means not reported yet → PROVISIONING', () => {
  const { logger } = captureLogger();
  const normalize = createNormalizer({ table, logger });
  for (const rawState of [undefined, null, '']) assert.equal(normalize({ platformId: 'vm-1', instanceId: 'a', rawState }).status, 'PROVISIONING');
});

test('an unknown raw state → FAILED naming it, counted each time, warned once per raw state', () => {
  const { logger, lines } = captureLogger();
  const unknown: string[] = [];
  const normalize = createNormalizer({ table, logger, onUnknownState: (rawState) => unknown.push(rawState) });
  const first = normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'MIGRATING' });
  normalize({ platformId: 'vm-2', instanceId: 'b', rawState: 'MIGRATING' });
  normalize({ platformId: 'vm-3', instanceId: 'c', rawState: 'HIBERNATING' });
  assert.equal(first.status, 'FAILED');
  assert.match(first.message, /MIGRATING/);
  assert.deepEqual(unknown, ['MIGRATING', 'MIGRATING', 'HIBERNATING']);
  assert.equal(lines.length, 2, 'one warning per distinct raw state');
});

test('operator overrides win over the table and can add states', () => {
  const { logger } = captureLogger();
  const normalize = createNormalizer({ table, logger, overrides: { napping: 'STOPPED', MIGRATING: 'RUNNING' } });
  assert.equal(normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'napping' }).status, 'STOPPED');
  assert.equal(normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'MIGRATING' }).status, 'RUNNING');
});

test('inherited object keys are not states', () => {
  const { logger } = captureLogger();
  const normalize = createNormalizer({ table, logger });
  assert.equal(normalize({ platformId: 'vm-1', instanceId: 'a', rawState: 'constructor' }).status, 'FAILED');
});
