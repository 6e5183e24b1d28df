import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBridgeError } from '../../../../src/errors/index.js';
import { createEc2Adapter } from '../../../../adapters/ec2/index.js';
import { connectEc2, fastRetries, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listAll } from '../../../support/vsphere-lab.js';
import { DEFAULT_CREDENTIALS } from '../../../simulators/ec2/index.js';

const profileKeys = { accessKeyId: 'AKIAI44QH8DHBEXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' };
const roleKeys = { accessKeyId: 'ASIAROLEKEYEXAMPLE01', secretAccessKey: 'roleSecretroleSecretroleSecretEXAMPLE01', sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN' };

/** An STS stand-in answering AssumeRole with {@link roleKeys}; it records what it was asked, it checks no signature. */
async function startStsStub(): Promise<{ url: string; calls: URLSearchParams[]; authorizations: string[]; close(): Promise<void> }> {
  const calls: URLSearchParams[] = [];
  const authorizations: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      calls.push(new URLSearchParams(body));
      authorizations.push(String(request.headers.authorization ?? ''));
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>${roleKeys.accessKeyId}</AccessKeyId><SecretAccessKey>${roleKeys.secretAccessKey}</SecretAccessKey><SessionToken>${roleKeys.sessionToken}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::210987654321:assumed-role/dcm-reader/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, authorizations, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('EC2 credentials: the SDK chain, profiles, roles, explicit keys', () => {
  let lab: Ec2Lab;
  let dir: string;
  before(async () => {
    lab = await startEc2Lab({ credentials: [DEFAULT_CREDENTIALS, profileKeys, roleKeys] });
    dir = mkdtempSync(join(tmpdir(), 'ec2-credentials-'));
  });
  after(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    lab.simulator.reset();
    lab.simulator.seedDcmInstances({ count: 3, tagged: 2 });
  });

  test('explicit keys sign the requests', async () => {
    assert.equal((await listAll(connectEc2(lab.endpointInput()).connection)).length, 2);
    assert.deepEqual(lab.simulator.usage().accessKeys, { [DEFAULT_CREDENTIALS.accessKeyId]: 1 });
  });

  test('explicit temporary keys: the session token is sent (without it the signature check fails)', async () => {
    assert.equal((await listAll(connectEc2(lab.endpointInput({ credentials: roleKeys })).connection)).length, 2);
    const { sessionToken: _dropped, ...withoutToken } = roleKeys;
    await assert.rejects(listAll(connectEc2(lab.endpointInput({ credentials: withoutToken })).connection), (error: unknown) => isBridgeError(error, 'PLATFORM_AUTH'));
  });

  test('a wrong secret: PLATFORM_AUTH naming the endpoint, one attempt, no key in the message', async () => {
    const wrong = 'WRONGsecretWRONGsecretWRONGsecretWRONG00';
    const { connection, logLines } = connectEc2(lab.endpointInput({ name: 'aws-wrong-key', credentials: { accessKeyId: DEFAULT_CREDENTIALS.accessKeyId, secretAccessKey: wrong } }));
    await assert.rejects(listAll(connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_AUTH'), String(error));
      console.log(`wrong secret → ${error.code}: ${error.message}`);
      assert.match(error.message, /^ec2 endpoint aws-wrong-key \(us-east-1\): AWS refused the request \(AuthFailure, HTTP 401\)/);
      assert.match(error.message, /\[request id [0-9a-f-]{36}\]$/);
      for (const text of [error.message, JSON.stringify(error.toJSON()), ...logLines]) {
        assert.ok(!text.includes(wrong) && !text.includes(DEFAULT_CREDENTIALS.accessKeyId), 'no key in messages or logs');
      }
      return true;
    });
    assert.equal(lab.simulator.usage().actions['DescribeInstances'], 1, 'AuthFailure is not retried');
  });

  test('a key without ec2:DescribeInstances (UnauthorizedOperation, 403): PLATFORM_AUTH; the key id in EC2\'s words is redacted', async () => {
    const limited = { accessKeyId: 'AKIALIMITEDEXAMPLE00', secretAccessKey: 'limitedSecretlimitedSecretlimitedSecret0' };
    const strict = await startEc2Lab({ credentials: [{ ...limited, allowedActions: ['DescribeRegions'] }] });
    try {
      await assert.rejects(listAll(connectEc2(strict.endpointInput({ name: 'aws-limited', credentials: limited })).connection), (error: unknown) => {
        assert.ok(isBridgeError(error, 'PLATFORM_AUTH'), String(error));
        assert.match(error.message, /UnauthorizedOperation, HTTP 403.*User: \[redacted\] is not authorized/);
        assert.ok(!error.message.includes(limited.accessKeyId));
        return true;
      });
    } finally {
      await strict.close();
    }
  });

  test('profile: fromIni reads the shared credentials and config files handed to the adapter', async () => {
    const credentialsFile = join(dir, 'credentials');
    const configFile = join(dir, 'config');
    writeFileSync(credentialsFile, `[dcm-reader]\naws_access_key_id = ${profileKeys.accessKeyId}\naws_secret_access_key = ${profileKeys.secretAccessKey}\n`);
    writeFileSync(configFile, '[profile dcm-reader]\nregion = us-east-1\n');
    const adapter = createEc2Adapter({ ...fastRetries, credentials: { sharedFiles: { credentialsFile, configFile } } });
    const { connection } = connectEc2(lab.endpointInput({ credentials: null, extra: { profile: 'dcm-reader' } }), adapter);
    assert.equal((await listAll(connection)).length, 2);
    assert.deepEqual(lab.simulator.usage().accessKeys, { [profileKeys.accessKeyId]: 1 });

    const missing = connectEc2(lab.endpointInput({ name: 'aws-no-profile', credentials: null, extra: { profile: 'nobody' } }), adapter);
    await assert.rejects(listAll(missing.connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_AUTH'), String(error));
      console.log(`unknown profile → ${error.code}: ${error.message}`);
      assert.match(error.message, /^ec2 endpoint aws-no-profile \(us-east-1\): no AWS credentials could be resolved/);
      return true;
    });
  });

  test('roleArn: AssumeRole through STS with the base keys, then EC2 with the temporary keys and session token', async () => {
    const sts = await startStsStub();
    try {
      const adapter = createEc2Adapter({ ...fastRetries, credentials: { stsEndpoint: sts.url } });
      const input = lab.endpointInput({ name: 'aws-role', extra: { roleArn: 'arn:aws:iam::210987654321:role/dcm-reader', externalId: 'dcm-7f3a' } });
      const { connection } = connectEc2(input, adapter);
      assert.equal((await listAll(connection)).length, 2);
      assert.equal((await listAll(connection)).length, 2);
      assert.equal(sts.calls.length, 1, 'the assumed credentials are cached until they expire');
      const call = sts.calls[0];
      assert.deepEqual([call?.get('Action'), call?.get('RoleArn'), call?.get('ExternalId'), call?.get('RoleSessionName')], ['AssumeRole', 'arn:aws:iam::210987654321:role/dcm-reader', 'dcm-7f3a', 'dcm-poll-bridge-aws-role']);
      assert.match(sts.authorizations[0] ?? '', new RegExp(`Credential=${DEFAULT_CREDENTIALS.accessKeyId}/`), 'STS is called with the base keys');
      assert.deepEqual(lab.simulator.usage().accessKeys, { [roleKeys.accessKeyId]: 2 }, 'EC2 sees only the role keys (with their session token, or the signature check fails)');
    } finally {
      await sts.close();
    }
  });
});
