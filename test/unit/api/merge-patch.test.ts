import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch } from '../../../src/api/index.js';

test('JSON merge patch (RFC 7386): maps merge, null removes, other values replace', () => {
  const stored = { platform: 'vsphere', url: 'https://vc.example', intervalSeconds: 60, credentials: { username: 'svc', password: 'old' }, stateOverrides: { a: 'RUNNING' } };
  const patched = mergePatch(stored, { intervalSeconds: 30, url: null, credentials: { password: 'new' }, stateOverrides: null });
  assert.deepEqual(patched, { platform: 'vsphere', intervalSeconds: 30, credentials: { username: 'svc', password: 'new' } });
  assert.equal(stored.credentials.password, 'old', 'the target is not changed');
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [3] }), { a: [3] }, 'lists are replaced whole');
  assert.deepEqual(mergePatch('scalar', { a: 1 }), { a: 1 });
  assert.equal(mergePatch({ a: 1 }, 'text'), 'text');
});
