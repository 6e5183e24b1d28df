import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { canonicalRequest, computeSignature, createEc2Simulator, DEFAULT_CREDENTIALS, verifySignature, type Ec2Credential } from './index.js';
import { sdkClient, signedCall } from './support.js';

// AWS's SigV4 test suite ("aws-sig-v4-test-suite"): key, time and the published signatures.
const SUITE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_DATE = '20150830T123600Z';
const SUITE_SCOPE = { region: 'us-east-1', service: 'service' };

describe('SigV4 canonicalization against the AWS test suite', () => {
  const headers = { host: 'example.amazonaws.com', 'x-amz-date': SUITE_DATE };
  const cases = [
    { name: 'get-vanilla', query: '', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
    { name: 'get-vanilla-query-order-key-case', query: 'Param2=value2&Param1=value1', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  ];
  for (const suiteCase of cases) {
    it(`${suiteCase.name} gives the published signature, and verification accepts it`, () => {
      const request = { method: 'GET', path: '/', query: suiteCase.query, headers, body: '' };
      const canonical = canonicalRequest(request, ['host', 'x-amz-date']);
      assert.ok(canonical !== undefined);
      assert.equal(computeSignature(SUITE.secretAccessKey, SUITE_DATE, SUITE_SCOPE, canonical), suiteCase.signature);
      const authorization = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${suiteCase.signature}`;
      const verified = verifySignature(
        { ...request, headers: { ...headers, authorization } },
        { ...SUITE_SCOPE, now: Date.UTC(2015, 7, 30, 12, 40), findCredentials: (id) => (id === SUITE.accessKeyId ? SUITE : undefined) },
      );
      assert.equal(verified.accessKeyId, SUITE.accessKeyId);
    });
  }
});

describe('EC2 simulator signature checks', () => {
  const temporary: Ec2Credential = { accessKeyId: 'ASIAQ3EXAMPLE0TOKEN1', secretAccessKey: 'temporary-secret-for-tests', sessionToken: 'FwoGZXIvYXdzEXAMPLE-session-token' };
  let clock = Date.UTC(2026, 0, 15, 10, 0, 0);
  const simulator = createEc2Simulator({ credentials: [DEFAULT_CREDENTIALS, temporary], now: () => clock });
  let running: RunningServer;
  const describeAll = { Action: 'DescribeInstances' };

  before(async () => {
    simulator.seedDcmInstances({ count: 3, tagged: 2 });
    running = await simulator.start();
  });
  after(() => running.close());

  it('accepts a correctly signed request and records the key', async () => {
    simulator.resetStats();
    const answer = await signedCall(running.url, describeAll, { now: clock });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(simulator.usage().accessKeys, { [DEFAULT_CREDENTIALS.accessKeyId]: 1 });
  });

  it('answers AuthFailure 401 to a wrong secret and to an unknown key', async () => {
    const wrongSecret = await signedCall(running.url, describeAll, { now: clock, credentials: { ...DEFAULT_CREDENTIALS, secretAccessKey: 'not-the-secret' } });
    assert.deepEqual([wrongSecret.status, wrongSecret.errorCode], [401, 'AuthFailure']);
    assert.match(wrongSecret.text, /<Message>AWS was not able to validate the provided access credentials<\/Message>/);
    const unknownKey = await signedCall(running.url, describeAll, { now: clock, credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' } });
    assert.deepEqual([unknownKey.status, unknownKey.errorCode], [401, 'AuthFailure']);
  });

  it('answers AuthFailure to a body changed after signing', async () => {
    const answer = await signedCall(running.url, describeAll, {
      now: clock,
      afterSigning: (request) => {
        request.body = request.body.replace('DescribeInstances', 'DescribeInstancez');
        request.headers['content-length'] = String(Buffer.byteLength(request.body));
      },
    });
    assert.deepEqual([answer.status, answer.errorCode], [401, 'AuthFailure']);
  });

  it('answers AuthFailure to a signature scoped to another region or service', async () => {
    const otherRegion = await signedCall(running.url, describeAll, { now: clock, region: 'eu-west-1' });
    assert.deepEqual([otherRegion.status, otherRegion.errorCode], [401, 'AuthFailure']);
  });

  it('answers MissingAuthenticationToken 401 without an Authorization header, IncompleteSignature 400 to a malformed one', async () => {
    const unsigned = await signedCall(running.url, describeAll, { now: clock, afterSigning: (request) => void delete request.headers.authorization });
    assert.deepEqual([unsigned.status, unsigned.errorCode], [401, 'MissingAuthenticationToken']);
    const malformed = await signedCall(running.url, describeAll, { now: clock, afterSigning: (request) => void (request.headers.authorization = 'AWS4-HMAC-SHA256 Signature=abc') });
    assert.deepEqual([malformed.status, malformed.errorCode], [400, 'IncompleteSignature']);
  });

  it('requires the session token of temporary keys, signed', async () => {
    const withToken = await signedCall(running.url, describeAll, { now: clock, credentials: temporary });
    assert.equal(withToken.status, 200, withToken.text);
    const { sessionToken: _token, ...withoutToken } = temporary;
    const missing = await signedCall(running.url, describeAll, { now: clock, credentials: withoutToken });
    assert.deepEqual([missing.status, missing.errorCode], [401, 'AuthFailure']);
    const wrong = await signedCall(running.url, describeAll, { now: clock, credentials: { ...temporary, sessionToken: 'another-token' } });
    assert.deepEqual([wrong.status, wrong.errorCode], [401, 'AuthFailure']);
    assert.equal(simulator.usage().accessKeys[temporary.accessKeyId], 1);
  });

  it('answers RequestExpired 400 to an X-Amz-Date more than 15 minutes off, either way', async () => {
    const fourteenMinutes = 14 * 60 * 1000;
    const sixteenMinutes = 16 * 60 * 1000;
    assert.equal((await signedCall(running.url, describeAll, { now: clock - fourteenMinutes })).status, 200);
    const late = await signedCall(running.url, describeAll, { now: clock - sixteenMinutes });
    assert.deepEqual([late.status, late.errorCode], [400, 'RequestExpired']);
    assert.match(late.text, /Request has expired\. Timestamp date is 2026-01-15T09:44:00Z/);
    const early = await signedCall(running.url, describeAll, { now: clock + sixteenMinutes });
    assert.deepEqual([early.status, early.errorCode], [400, 'RequestExpired']);
  });

  it('lets the injected clock expire a signature made earlier', async () => {
    const signedAt = clock;
    clock += 20 * 60 * 1000;
    try {
      const answer = await signedCall(running.url, describeAll, { now: signedAt });
      assert.equal(answer.errorCode, 'RequestExpired');
    } finally {
      clock = signedAt;
    }
  });

  it('is what the real SDK gets for a wrong secret: AuthFailure with httpStatusCode 401', async () => {
    // The SDK signs with the real time, so this part of the suite runs on a real clock.
    const realTime = createEc2Simulator();
    const server = await realTime.start();
    try {
      const client = sdkClient(server.url, { credentials: { ...realTime.credentials, secretAccessKey: 'wrong' } });
      await assert.rejects(client.send(new DescribeInstancesCommand({})), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.name, 'AuthFailure');
        assert.equal(error.$metadata?.httpStatusCode, 401);
        return true;
      });
      const tokenClient = sdkClient(server.url, { credentials: { accessKeyId: 'AKIDNOTKNOWN', secretAccessKey: createHash('sha256').update('x').digest('hex') } });
      await assert.rejects(tokenClient.send(new DescribeInstancesCommand({})), { name: 'AuthFailure' });
      assert.equal(realTime.usage().errors.AuthFailure, 2);
    } finally {
      await server.close();
    }
  });

  it('is what the real SDK gets with temporary credentials: accepted with the token, refused without', async () => {
    const realTime = createEc2Simulator({ credentials: [temporary] });
    realTime.seedDcmInstances({ count: 1, tagged: 1 });
    const server = await realTime.start();
    try {
      const answer = await sdkClient(server.url, { credentials: temporary }).send(new DescribeInstancesCommand({}));
      assert.equal(answer.Reservations?.length, 1);
      const { sessionToken: _token, ...withoutToken } = temporary;
      await assert.rejects(sdkClient(server.url, { credentials: withoutToken }).send(new DescribeInstancesCommand({})), { name: 'AuthFailure' });
    } finally {
      await server.close();
    }
  });
});
