import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePageToken, encodePageToken, pageOf } from '../../../src/api/index.js';
import { BridgeError } from '../../../src/errors/index.js';

test('a page token resumes after its key, for the list and filters it was issued for', () => {
  const token = encodePageToken('vms?endpoint=lab&status=RUNNING', ['lab', 'vm-7']);
  assert.match(token, /^[A-Za-z0-9_-]+$/, 'URL-safe');
  assert.deepEqual(decodePageToken(token, 'vms?endpoint=lab&status=RUNNING'), ['lab', 'vm-7']);
});

test('foreign, tampered and misplaced tokens are INVALID_ARGUMENT naming page_token', () => {
  const misplaced = encodePageToken('endpoints', ['lab']);
  for (const [token, scope] of [
    ['garbage!', 'endpoints'],
    ['bm90IGpzb24', 'endpoints'],
    [Buffer.from(JSON.stringify({ v: 2, s: 'endpoints', k: ['a'] })).toString('base64url'), 'endpoints'],
    [Buffer.from(JSON.stringify({ v: 1, s: 'endpoints', k: [1] })).toString('base64url'), 'endpoints'],
    [misplaced, 'vms?endpoint=&status='],
  ] as const) {
    assert.throws(
      () => decodePageToken(token, scope),
      (error: unknown) => error instanceof BridgeError && error.code === 'INVALID_ARGUMENT' && error.context.issues?.[0]?.path === 'querystring.page_token',
      token,
    );
  }
});

test('pageOf serves pages in key order and says where to continue', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const key = (item: string) => [item];
  const first = pageOf(items, key, 2);
  assert.deepEqual(first, { results: ['a', 'b'], nextKey: ['b'] });
  const second = pageOf(items, key, 2, first.nextKey);
  assert.deepEqual(second, { results: ['c', 'd'], nextKey: ['d'] });
  assert.deepEqual(pageOf(items, key, 2, second.nextKey), { results: ['e'] });
  assert.deepEqual(pageOf(items, key, 5), { results: items }, 'an exactly full page has no next token');
  assert.deepEqual(pageOf(['a', 'c'], key, 2, ['b']), { results: ['c'] }, 'a key that vanished meanwhile still positions the page');
});
