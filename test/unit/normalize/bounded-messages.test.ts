import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createNormalizer, defineStateTable, eventMessageMaxChars, platformTextMaxChars } from '../../../src/normalize/index.js';

const table = defineStateTable('lab', { on: 'RUNNING', off: 'STOPPED' });
const megabyte = 1_048_576;

function normalizer() {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  const unknown: string[] = [];
  const normalize = createNormalizer({ table, logger: pino({ level: 'warn' }, destination), onUnknownState: (rawState) => unknown.push(rawState) });
  return { normalize, lines, unknown };
}

test('a 1 MB VM name is cut in the message, with a note saying how much', () => {
  const { normalize } = normalizer();
  const state = normalize({ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on', name: 'w'.repeat(megabyte) });
  assert.equal(state.status, 'RUNNING');
  assert.ok(state.message.length <= eventMessageMaxChars, `message of ${state.message.length} characters`);
  const [, kept = '', cut = ''] = /^VM (w+)…\[cut (\d+) characters\] is running \(lab: on\)$/.exec(state.message) ?? [];
  assert.ok(kept.length > 0 && kept.length < platformTextMaxChars, state.message);
  assert.equal(kept.length + Number(cut), megabyte, 'the note counts what was cut');
});

test('a 1 MB detail and a 1 MB unknown raw state are cut too; the whole message stays bounded', () => {
  const { normalize, lines, unknown } = normalizer();
  const huge = 'x'.repeat(megabyte);
  const withDetail = normalize({ platformId: 'vm-2', instanceId: 'inst-2', rawState: 'off', name: 'web-2', detail: huge });
  assert.ok(withDetail.message.length <= eventMessageMaxChars);
  assert.match(withDetail.message, /^VM web-2 is stopped \(lab: off\) \(x+…\[cut \d+ characters\]\)$/);

  const unknownState = normalize({ platformId: 'vm-3', instanceId: 'inst-3', rawState: huge, name: huge, detail: huge });
  assert.equal(unknownState.status, 'FAILED');
  assert.ok(unknownState.message.length <= eventMessageMaxChars, `message of ${unknownState.message.length} characters`);
  assert.match(unknownState.message, /state x+…\[cut \d+ characters\], which the bridge does not know/);
  assert.ok((unknown[0]?.length ?? Infinity) <= platformTextMaxChars, 'the metric label gets the cut state');
  assert.ok(lines.every((line) => line.length < 2_000), 'the warning names the cut state');
});

test('names within every vendor limit are never cut (vCenter 80, Nova 255, EC2 tag values 256 characters)', () => {
  const { normalize } = normalizer();
  const name = 'n'.repeat(256);
  assert.ok(normalize({ platformId: 'i-1', instanceId: 'inst-1', rawState: 'on', name }).message.includes(name));
});
