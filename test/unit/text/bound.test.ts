import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundStrings, boundText } from '../../../src/text/index.js';

test('text within the bound comes back unchanged', () => {
  assert.equal(boundText('web-42', 256), 'web-42');
  assert.equal(boundText('x'.repeat(256), 256), 'x'.repeat(256));
});

test('longer text is cut to the bound exactly, and says how much was cut', () => {
  const name = 'n'.repeat(1_048_576);
  const cut = boundText(name, 256);
  assert.equal(cut.length, 256);
  const match = /^(n+)…\[cut (\d+) characters\]$/.exec(cut);
  assert.ok(match, cut.slice(-40));
  assert.equal(Number(match[2]) + (match[1]?.length ?? 0), name.length, 'kept + cut = original');
});

test('the note stays right where its count gains a digit', () => {
  for (let length = 990; length <= 1_010; length++) {
    const cut = boundText('a'.repeat(length), 40);
    assert.ok(cut.length <= 40, `${length}: ${cut}`);
    const [, kept = '', count = ''] = /^(a*)…\[cut (\d+) characters\]$/.exec(cut) ?? [];
    assert.equal(kept.length + Number(count), length, cut);
  }
});

test('a cut never splits a surrogate pair; a bound smaller than the note still holds', () => {
  const cut = boundText('😀'.repeat(100), 41);
  assert.ok(!/[\ud800-\udbff]…/.test(cut), 'no lone high surrogate before the note');
  assert.ok(cut.length <= 41);
  assert.ok(boundText('y'.repeat(100), 5).length <= 5);
  assert.equal(boundText('y'.repeat(100), 0), '');
});

test('boundStrings cuts strings in plain objects and arrays, and copies only what it changed', () => {
  const untouched = { a: 'short', list: ['x', 'y'], nested: { b: 1 } };
  assert.equal(boundStrings(untouched, 10), untouched, 'same reference when nothing is cut');

  const long = 'z'.repeat(5_000);
  const input = { keep: 'ok', name: long, list: ['fine', long], nested: { deeper: { value: long } }, count: 3 };
  const output = boundStrings(input, 100) as typeof input;
  assert.equal(output.keep, 'ok');
  assert.equal(output.count, 3);
  for (const value of [output.name, output.list[1], output.nested.deeper.value]) assert.match(value ?? '', /^z+…\[cut \d+ characters\]$/);
  assert.equal(input.name, long, 'the input is not modified');
  assert.equal(output.list[0], 'fine');
});

test('boundStrings leaves class instances alone and stops at the depth limit', () => {
  const error = new Error('e'.repeat(1_000));
  assert.equal(boundStrings({ error }, 10) !== undefined, true);
  assert.equal((boundStrings({ error }, 10) as { error: Error }).error, error);
  let deep: Record<string, unknown> = { leaf: 'x' };
  for (let level = 0; level < 20; level++) deep = { deep };
  assert.match(JSON.stringify(boundStrings(deep, 10, 4)), /\[cut: nested too deep\]/);
});
