import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { createTestCertificates, type TestCertificates } from '../../../support/tls-certs.js';
import { connectVsphere, listAll, startVsphereLab, type VsphereLab } from '../../../support/vsphere-lab.js';

let certificates: TestCertificates;
let signed: VsphereLab;
let selfSigned: VsphereLab;
before(async () => {
  certificates = createTestCertificates();
  signed = await startVsphereLab({ tls: certificates.server });
  selfSigned = await startVsphereLab({ tls: certificates.selfSigned });
  for (const lab of [signed, selfSigned]) lab.simulator.seedDcmVms({ count: 3, tagged: 2 });
});
after(async () => {
  await Promise.all([signed.close(), selfSigned.close()]);
  certificates.dispose();
});

test('a vCenter certificate signed by the tls.caFile CA is trusted', async () => {
  const { connection } = connectVsphere(signed.endpointInput({ tls: { caFile: certificates.caFile } }));
  assert.equal((await listAll(connection)).length, 2);
  await connection.close();
  assert.equal(signed.simulator.sessionCounters().active, 0, 'logged out over TLS too');
});

test('without tls.caFile the same vCenter is refused: PLATFORM_UNREACHABLE with a TLS hint, no login sent', async () => {
  const { connection } = connectVsphere(signed.endpointInput());
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformUnreachable, message: /^vsphere endpoint vc-lab: POST \/api\/session failed: .*TLS verification failed/ });
  await connection.close();
});

test('a self-signed certificate is refused, even with a CA file for another CA', async () => {
  const { connection } = connectVsphere(selfSigned.endpointInput({ tls: { caFile: certificates.caFile } }));
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformUnreachable });
  assert.equal(selfSigned.simulator.stats().total, 0, 'nothing reached the server: the password was never sent');
  await connection.close();
});

test('insecureSkipVerify accepts the self-signed certificate and warns once', async () => {
  const { connection, logLines } = connectVsphere(selfSigned.endpointInput({ tls: { insecureSkipVerify: true } }));
  for (let poll = 0; poll < 3; poll++) assert.equal((await listAll(connection)).length, 2);
  assert.equal(logLines.filter((line) => line.includes('insecureSkipVerify')).length, 1);
  await connection.close();
});
