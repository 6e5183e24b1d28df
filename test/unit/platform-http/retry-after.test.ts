import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetryAfter } from '../../../src/platform-http/index.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

test('Retry-After in seconds becomes milliseconds', () => {
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter(['3', '9'], now), 3000, 'the first of repeated headers');
});

test('Retry-After as an HTTP date is measured against the injected clock, never negative', () => {
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 11:59:00 GMT', now), 0);
});

test('absent or unreadable Retry-After gives no hint', () => {
  for (const value of [undefined, '', 'soon', '-5', '1.5', '12 13']) assert.equal(parseRetryAfter(value, now), undefined, String(value));
});

test('an absurd Retry-After: huge but finite is returned (the scheduler caps it); beyond a finite number is no hint', () => {
  assert.equal(parseRetryAfter('99999999', now), 99_999_999_000);
  assert.equal(parseRetryAfter('9'.repeat(400), now), undefined, 'Number() of 400 digits is Infinity');
  const farFuture = parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now);
  assert.ok(farFuture !== undefined && Number.isFinite(farFuture));
});
