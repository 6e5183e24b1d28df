import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObject } from '../../../src/values/index.js';

test('a JSON or YAML object is one, whatever its keys', () => {
  assert.equal(isJsonObject({}), true);
  assert.equal(isJsonObject(JSON.parse('{"servers":[],"__proto__":1}')), true);
  assert.equal(isJsonObject(Object.create(null)), true);
});

test('null, arrays and scalars are not', () => {
  for (const value of [null, undefined, [], [{}], 'text', 0, true]) assert.equal(isJsonObject(value), false, JSON.stringify(value));
});
