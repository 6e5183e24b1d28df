import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { BridgeError, ErrorCode, causeChain, errorLogForm } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/logger/index.js';

/** A refused connection as undici reports it: a TypeError whose cause is the socket's error. */
function refusedFetch(): Error {
  const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  return new TypeError('fetch failed', { cause: socket });
}

/** The lines a real logger writes, parsed. */
function logged(write: (logger: ReturnType<typeof createLogger>) => void): Array<Record<string, unknown>> {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  write(createLogger({ level: 'info', destination }));
  return lines.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('an expected failure is its code, message, context and cause chain once, without a stack', () => {
  const error = new BridgeError(ErrorCode.PlatformUnreachable, 'endpoint nova: Keystone unreachable', { endpoint: 'nova' }, { cause: refusedFetch() });
  assert.deepEqual(errorLogForm(error), { type: 'BridgeError', code: 'PLATFORM_UNREACHABLE', message: 'endpoint nova: Keystone unreachable', context: { endpoint: 'nova' }, causes: ['TypeError: fetch failed', 'connect ECONNREFUSED 127.0.0.1:9'] });
  for (const code of [ErrorCode.PlatformAuth, ErrorCode.PlatformThrottled, ErrorCode.PlatformTimeout, ErrorCode.PublishFailed, ErrorCode.CacheFailed]) {
    const form = errorLogForm(new BridgeError(code, 'x'));
    assert.equal(form?.['code'], code);
    assert.equal('stack' in (form ?? {}), false, code);
  }
  assert.deepEqual(causeChain(new Error('a', { cause: Object.assign(new Error('b'), { code: 'EB' }) })), ['b (EB)'], 'a code the message lacks is named');
});

test('a bug (INTERNAL, or not a BridgeError) keeps the logger\'s own form, stack included', () => {
  assert.equal(errorLogForm(new BridgeError(ErrorCode.Internal, 'should not happen')), undefined);
  assert.equal(errorLogForm(new TypeError('x is undefined')), undefined);
});

test('a cause cycle ends', () => {
  const first = new Error('first');
  const second = new Error('second', { cause: first });
  (first as { cause?: unknown }).cause = second;
  assert.deepEqual(causeChain(first), ['second']);
});

test('through the logger: one line, no stack frames for an expected failure; a bug keeps its stack', () => {
  const [expected, bug] = logged((logger) => {
    logger.warn({ err: new BridgeError(ErrorCode.PlatformUnreachable, 'unreachable', {}, { cause: refusedFetch() }) }, 'poll failed: unreachable');
    logger.error({ err: new BridgeError(ErrorCode.Internal, 'a bug') }, 'internal error');
  });
  const expectedErr = expected?.['err'] as Record<string, unknown>;
  assert.deepEqual(expectedErr['causes'], ['TypeError: fetch failed', 'connect ECONNREFUSED 127.0.0.1:9']);
  assert.doesNotMatch(JSON.stringify(expected), /\s{4}at /, 'no stack frame');
  assert.match(String((bug?.['err'] as Record<string, unknown>)['stack']), /\n\s{4}at /, 'the bug keeps its stack');
});
