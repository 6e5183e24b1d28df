import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator, DEFAULT_CREDENTIALS } from './index.js';
import { sdkClient } from './support.js';

/** What the SDK copies onto its error from a verbose answer. */
interface VerboseSdkError extends Error {
  readonly AWSAccessKeyId?: string;
  readonly SignatureProvided?: string;
  readonly StringToSign?: string;
  readonly CanonicalRequest?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

describe('EC2 simulator: verbose signature errors', () => {
  const temporary = { accessKeyId: 'ASIATEMPORARYEXAMPLE', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-value-0123456789' };
  const verbose = createEc2Simulator({ credentials: [DEFAULT_CREDENTIALS, temporary], verboseSignatureErrors: true });
  const terse = createEc2Simulator();
  let verboseRunning: RunningServer;
  let terseRunning: RunningServer;
  before(async () => {
    [verboseRunning, terseRunning] = await Promise.all([verbose.start(), terse.start()]);
  });
  after(() => Promise.all([verboseRunning.close(), terseRunning.close()]));

  it('a wrong secret gets SignatureDoesNotMatch (403) quoting the key id, the signature, the string to sign and the canonical request', async () => {
    const credentials = { ...temporary, secretAccessKey: 'not-the-secret' };
    await assert.rejects(sdkClient(verboseRunning.url, { credentials }).send(new DescribeInstancesCommand({})), (error: VerboseSdkError) => {
      assert.equal(error.name, 'SignatureDoesNotMatch');
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.equal(error.AWSAccessKeyId, temporary.accessKeyId);
      assert.match(error.SignatureProvided ?? '', /^[0-9a-f]{64}$/, 'the signature the SDK sent');
      assert.match(error.StringToSign ?? '', /^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/ec2\/aws4_request\n[0-9a-f]{64}$/);
      assert.ok(error.CanonicalRequest?.includes(`x-amz-security-token:${temporary.sessionToken}`), 'the signed session token is in the canonical request');
      assert.match(error.message, /^The request signature we calculated does not match the signature you provided\./);
      assert.ok(error.message.includes(`x-amz-security-token:${temporary.sessionToken}`), 'and in the message, as AWS quotes the canonical request');
      return true;
    });
  });

  it('right keys still pass; an unknown key is still AuthFailure; without the option a wrong secret is AuthFailure', async () => {
    const answer = await sdkClient(verboseRunning.url).send(new DescribeInstancesCommand({}));
    assert.deepEqual(answer.Reservations, []);
    await assert.rejects(sdkClient(verboseRunning.url, { credentials: { accessKeyId: 'AKIAUNKNOWNEXAMPLE00', secretAccessKey: 'x' } }).send(new DescribeInstancesCommand({})), { name: 'AuthFailure' });
    await assert.rejects(sdkClient(terseRunning.url, { credentials: { ...DEFAULT_CREDENTIALS, secretAccessKey: 'wrong' } }).send(new DescribeInstancesCommand({})), (error: VerboseSdkError) => error.name === 'AuthFailure' && error.AWSAccessKeyId === undefined);
  });
});
