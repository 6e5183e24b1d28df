import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenGuard } from '../../../src/api/index.js';
import { BridgeError, type ErrorCode } from '../../../src/errors/index.js';

const writer = 'writer-token-0123456789';
const reader = 'reader-token-0123456789';

function outcome(run: () => void): ErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof BridgeError);
    assert.ok(!error.message.includes(writer) && !error.message.includes(reader));
    return error.code;
  }
}

test('bearer tokens: who may read and write', () => {
  const guard = createTokenGuard({ writeToken: writer, readToken: reader });
  const check = (header: string | undefined, access: 'open' | 'read' | 'write') => outcome(() => guard.authorize(header, access));
  assert.equal(check(undefined, 'open'), 'ok');
  assert.equal(check(undefined, 'read'), 'UNAUTHENTICATED');
  assert.equal(check(`Bearer ${reader}`, 'read'), 'ok');
  assert.equal(check(`bearer ${writer}`, 'read'), 'ok', 'the scheme is case-insensitive; the write token reads');
  assert.equal(check(`Bearer ${reader}`, 'write'), 'PERMISSION_DENIED');
  assert.equal(check(`Bearer ${writer}`, 'write'), 'ok');
  assert.equal(check(`Bearer ${writer}x`, 'write'), 'UNAUTHENTICATED');
  assert.equal(check(`Basic ${writer}`, 'write'), 'UNAUTHENTICATED');
  assert.equal(check('Bearer', 'write'), 'UNAUTHENTICATED');
});

test('without a read token reads are open; without a write token writes are refused', () => {
  const guard = createTokenGuard({ writeToken: null, readToken: null });
  assert.equal(outcome(() => guard.authorize(undefined, 'read')), 'ok');
  assert.equal(outcome(() => guard.authorize(`Bearer ${writer}`, 'write')), 'PERMISSION_DENIED');
});
