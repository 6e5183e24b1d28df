import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeError } from '../../../../src/errors/index.js';
import { toBridgeError } from '../../../../adapters/ec2/index.js';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const scope = { endpoint: 'aws-prod', region: 'eu-west-1', secrets: [secret, 'AKIAIOSFODNN7EXAMPLE'] };

/** An error shaped like the SDK's service exceptions. */
const sdkError = (name: string, status: number | undefined, message = 'words', extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...(status !== undefined ? { $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 3 } } : {}), ...extra });

describe('EC2 error mapping', () => {
  const cases: { error: unknown; code: string; message: RegExp }[] = [
    { error: sdkError('RequestLimitExceeded', 503, 'Request limit exceeded.'), code: 'PLATFORM_THROTTLED', message: /EC2 throttled DescribeInstances \(RequestLimitExceeded, HTTP 503\) after 3 attempt\(s\)/ },
    { error: sdkError('ThrottlingException', 400), code: 'PLATFORM_THROTTLED', message: /ThrottlingException/ },
    { error: sdkError('Whatever', 429), code: 'PLATFORM_THROTTLED', message: /HTTP 429/ },
    { error: sdkError('AuthFailure', 401), code: 'PLATFORM_AUTH', message: /AWS refused the request \(AuthFailure, HTTP 401\)/ },
    { error: sdkError('UnauthorizedOperation', 403), code: 'PLATFORM_AUTH', message: /IAM policy \(ec2:DescribeInstances\)/ },
    { error: sdkError('RequestExpired', 400), code: 'PLATFORM_AUTH', message: /check the bridge host clock/ },
    { error: sdkError('AccessDenied', 403, 'User is not authorized to perform: sts:AssumeRole'), code: 'PLATFORM_AUTH', message: /sts:AssumeRole/ },
    { error: sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), code: 'PLATFORM_AUTH', message: /no AWS credentials could be resolved/ },
    { error: sdkError('Unavailable', 503), code: 'PLATFORM_HTTP', message: /answered HTTP 503 \(Unavailable\)/ },
    { error: sdkError('InvalidParameterValue', 400), code: 'PLATFORM_HTTP', message: /answered HTTP 400/ },
    { error: sdkError('TimeoutError', undefined, 'socket timed out'), code: 'PLATFORM_TIMEOUT', message: /got no answer in time/ },
    { error: sdkError('TimeoutError', undefined, 'connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' }), code: 'PLATFORM_UNREACHABLE', message: /ECONNREFUSED/ },
    { error: sdkError('Error', undefined, 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }), code: 'PLATFORM_UNREACHABLE', message: /ECONNREFUSED/ },
    { error: sdkError('Error', undefined, 'self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), code: 'PLATFORM_UNREACHABLE', message: /trust the CA with tls.caFile/ },
    { error: sdkError('SyntaxError', 200, 'Unexpected end of XML'), code: 'PLATFORM_PAYLOAD', message: /a body the SDK could not read/ },
    { error: sdkError('AbortError', undefined, 'Request aborted'), code: 'POLL_ABORTED', message: /aborted/ },
  ];
  for (const { error, code, message } of cases) {
    test(`${(error as Error).name}${(error as { code?: string }).code ? ` ${(error as { code: string }).code}` : ''}${(error as { $metadata?: { httpStatusCode?: number } }).$metadata ? ` (${(error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode})` : ''} → ${code}`, () => {
      const mapped = toBridgeError(error, scope);
      assert.equal(mapped.code, code);
      assert.match(mapped.message, /^ec2 endpoint aws-prod \(eu-west-1\): /);
      assert.match(mapped.message, message);
      assert.equal(mapped.context.endpoint, 'aws-prod');
      const cause = mapped.cause as Error & { $metadata?: unknown; code?: unknown };
      assert.notEqual(cause, error, 'the SDK\'s own object is never chained');
      assert.equal(cause.name, (error as Error).name, 'the cause keeps the SDK error\'s name');
      assert.deepEqual(cause.$metadata, (error as { $metadata?: unknown }).$metadata, 'and its metadata');
      assert.equal(cause.code, (error as { code?: unknown }).code, 'and its socket code');
    });
  }

  test('the chained cause is a sanitized copy: no key id, secret, signature or answer element survives, at any depth', () => {
    const signature = 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d';
    const socket = Object.assign(new Error(`socket hang up (Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/ec2/aws4_request, Signature=${signature})`), { code: 'ECONNRESET' });
    const error = sdkError('SignatureDoesNotMatch', 403, `The request signature we calculated does not match. Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/ec2/aws4_request, Signature=${signature}`, {
      AWSAccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      SignatureProvided: signature,
      Error: { Code: 'SignatureDoesNotMatch', Message: `key ${secret}` },
      cause: socket,
    });
    const mapped = toBridgeError(error, scope);
    const chain: unknown[] = [];
    for (let current: unknown = mapped.cause; current instanceof Error; current = current.cause) chain.push(current);
    assert.equal(chain.length, 2, 'the SDK error and its socket cause are both copied');
    const written = chain.map((link) => JSON.stringify({ ...(link as object), message: (link as Error).message, stack: (link as Error).stack })).join('\n') + mapped.message;
    for (const leaked of ['AKIAIOSFODNN7EXAMPLE', signature, secret]) assert.ok(!written.includes(leaked), `${leaked} is not in the chain:\n${written}`);
    assert.match(written, /SignatureDoesNotMatch/, 'the error is still named');
    assert.equal((chain[1] as { code?: string }).code, 'ECONNRESET');
  });

  test('key values in the SDK\'s words are redacted; request ids stay', () => {
    const mapped = toBridgeError(sdkError('SignatureDoesNotMatch', 403, `The request signature we calculated does not match; key AKIAIOSFODNN7EXAMPLE secret ${secret}`), scope);
    assert.ok(!mapped.message.includes(secret) && !mapped.message.includes('AKIAIOSFODNN7EXAMPLE'), mapped.message);
    assert.match(mapped.message, /key \[redacted\] secret \[redacted\]/);
    assert.match(mapped.message, /\[request id req-1\]$/);
    assert.ok(!JSON.stringify(mapped.toJSON()).includes(secret));
  });

  test('a BridgeError passes through; an aborted signal wins over the SDK error', () => {
    const own = new BridgeError('PLATFORM_PAYLOAD', 'mine');
    assert.equal(toBridgeError(own, scope), own);
    const controller = new AbortController();
    controller.abort(new Error('endpoint removed'));
    assert.match(toBridgeError(sdkError('Unavailable', 503), scope, controller.signal).message, /aborted: endpoint removed/);
  });
});
