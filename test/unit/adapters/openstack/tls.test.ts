import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { createTestCertificates, type TestCertificates } from '../../../support/tls-certs.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

let certificates: TestCertificates;
let signed: OpenstackLab;
let selfSigned: OpenstackLab;
before(async () => {
  certificates = createTestCertificates();
  signed = await startOpenstackLab({ tls: certificates.server });
  selfSigned = await startOpenstackLab({ tls: certificates.selfSigned });
  for (const lab of [signed, selfSigned]) lab.simulator.seedDcmServers({ count: 3, tagged: 2 });
});
after(async () => {
  await Promise.all([signed.close(), selfSigned.close()]);
  certificates.dispose();
});

test('tls.caFile: Keystone and Nova (from the catalog) are both verified against the CA', async () => {
  const { connection } = connectOpenstack(signed.endpointInput({ extra: { tls: { caFile: certificates.caFile } } }));
  assert.equal((await listServers(connection)).instances.length, 2);
  const routes = signed.simulator.stats().byRoute;
  assert.deepEqual([routes['POST /identity/v3/auth/tokens'], routes['GET /compute/v2.1/servers/detail']], [1, 1]);
  await connection.close();
});

test('without tls.caFile: PLATFORM_UNREACHABLE with a TLS hint at the token request; the password never leaves', async () => {
  const { connection } = connectOpenstack(signed.endpointInput({ name: 'os-tls' }));
  await assert.rejects(listServers(connection), { code: ErrorCode.PlatformUnreachable, message: /^openstack endpoint os-tls: POST \/identity\/v3\/auth\/tokens failed: .*TLS verification failed/ });
  assert.equal(signed.simulator.tokenCounters().issued, 1, 'only the earlier test got a token');
  await connection.close();
});

test('a self-signed certificate is refused with another CA, and accepted with insecureSkipVerify (with a warning)', async () => {
  const refused = connectOpenstack(selfSigned.endpointInput({ extra: { tls: { caFile: certificates.caFile } } }));
  await assert.rejects(listServers(refused.connection), { code: ErrorCode.PlatformUnreachable });
  assert.equal(selfSigned.simulator.stats().total, 0);
  const lab = connectOpenstack(selfSigned.endpointInput({ extra: { tls: { insecureSkipVerify: true } } }));
  for (let poll = 0; poll < 3; poll++) assert.equal((await listServers(lab.connection)).instances.length, 2);
  assert.ok(lab.logLines.some((line) => line.includes('insecureSkipVerify')));
  await Promise.all([refused.connection.close(), lab.connection.close()]);
});
