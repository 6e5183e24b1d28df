import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { BridgeError } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/logger/index.js';

function capture(): { logger: ReturnType<typeof createLogger>; output: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), output: () => text };
}

const signature = '9f2a61c1e4b0d8e7a3c5b2f1d0e9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a392817';

test('the err serializer scrubs the whole cause chain: messages, stacks and fields of every cause', () => {
  const { logger, output } = capture();
  const socket = new Error('connect to https://svc-dcm:vc-password-1@vcenter.lab failed');
  const sdk = Object.assign(new Error(`Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`, { cause: socket }), {
    name: 'IncompleteSignature',
    AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    SignatureProvided: signature,
    CanonicalRequest: 'POST\n/\n\nhost:ec2.example\nx-amz-security-token:session-token-secret-2\n',
  });
  const wrapped = new BridgeError('PLATFORM_AUTH', 'ec2 endpoint aws (us-east-1): AWS refused the request', { endpoint: 'aws' }, { cause: sdk });
  logger.warn({ err: wrapped }, 'poll failed');
  logger.error(Object.assign(new Error('token=bare-token-secret-3 rejected', { cause: sdk }), { password: 'field-password-4', headers: { authorization: 'Bearer header-token-secret-5' } }));
  // Messages built from an error's words are scrubbed too.
  logger.warn(`poll failed: GET https://svc:message-password-6@vcenter.lab/api answered 401 (Authorization=Basic c3ZjOm1lc3NhZ2UtcGFzc3dvcmQtNg==)`);

  const text = output();
  for (const secret of ['AKIAIOSFODNN7EXAMPLE', signature, 'vc-password-1', 'session-token-secret-2', 'bare-token-secret-3', 'field-password-4', 'header-token-secret-5', 'message-password-6', 'c3ZjOm1lc3NhZ2UtcGFzc3dvcmQtNg==']) {
    assert.ok(!text.includes(secret), `${secret} is not in the log:\n${text}`);
  }
  const [first, second, third] = text.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; err: { message: string; stack?: string; causes?: string[]; code?: string; context?: { endpoint?: string } } });
  assert.ok(first && second && third);
  assert.equal(third.msg, 'poll failed: GET https://[redacted]@vcenter.lab/api answered 401 (Authorization=[redacted]');
  // What is not secret stays: the chain is still readable.
  // An expected failure (#16): its own message, the cause chain once, no stack.
  assert.equal(first.err.message, 'ec2 endpoint aws (us-east-1): AWS refused the request');
  assert.equal(first.err.stack, undefined);
  assert.match(first.err.causes?.[0] ?? '', /^IncompleteSignature: Authorization=\[redacted\]/);
  assert.match(first.err.causes?.[1] ?? '', /^connect to https:\/\/\[redacted\]@vcenter\.lab failed$/, 'the host of a URL stays, its user info goes');
  assert.equal(first.err.code, 'PLATFORM_AUTH');
  assert.equal(first.err.context?.endpoint, 'aws');
  assert.match(second.err.message, /^token=\[redacted\] rejected/);
});

test('validation messages that name secret keys are not mangled by the scrub', () => {
  const { logger, output } = capture();
  logger.error({ err: new BridgeError('CONFIG_INVALID', 'configuration is invalid (1 problem):\n  - endpoints[0].credentials.password: must be a string, not a number') }, 'invalid');
  const line = JSON.parse(output()) as { err: { message: string } };
  assert.match(line.err.message, /credentials\.password: must be a string, not a number$/);
});
