import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBridgeError } from '../../../../src/errors/index.js';
import { connectEc2, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { createTestCertificates, type TestCertificates } from '../../../support/tls-certs.js';
import { listAll } from '../../../support/vsphere-lab.js';

describe('EC2 over HTTPS: tls.caFile and tls.insecureSkipVerify reach the SDK\'s handler', () => {
  let certificates: TestCertificates;
  let trusted: Ec2Lab;
  let selfSigned: Ec2Lab;
  before(async () => {
    certificates = createTestCertificates();
    trusted = await startEc2Lab({}, certificates.server);
    selfSigned = await startEc2Lab({}, certificates.selfSigned);
    for (const lab of [trusted, selfSigned]) lab.simulator.seedDcmInstances({ count: 2, tagged: 2 });
  });
  after(async () => {
    await Promise.all([trusted.close(), selfSigned.close()]);
    certificates.dispose();
  });

  test('a private CA: refused without caFile (with a hint), listed with it', async () => {
    await assert.rejects(listAll(connectEc2(trusted.endpointInput({ name: 'aws-tls' })).connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PLATFORM_UNREACHABLE'), String(error));
      assert.match(error.message, /TLS verification failed: trust the CA with tls\.caFile/);
      return true;
    });
    const listed = await listAll(connectEc2(trusted.endpointInput({ extra: { tls: { caFile: certificates.caFile } } })).connection);
    assert.equal(listed.length, 2);
  });

  test('a self-signed certificate: listed only with insecureSkipVerify', async () => {
    await assert.rejects(listAll(connectEc2(selfSigned.endpointInput({ extra: { tls: { caFile: certificates.caFile } } })).connection), (error: unknown) => isBridgeError(error, 'PLATFORM_UNREACHABLE'));
    const listed = await listAll(connectEc2(selfSigned.endpointInput({ extra: { tls: { insecureSkipVerify: true } } })).connection);
    assert.equal(listed.length, 2);
  });
});
