import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors/index.js';
import { createTestCertificates, type TestCertificates } from '../../support/tls-certs.js';
import { never, sendJson, startLocalServer, testClient, type LocalServer } from './local-server.js';

let certificates: TestCertificates;
let signed: LocalServer;
let selfSigned: LocalServer;
before(async () => {
  certificates = createTestCertificates();
  signed = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }), certificates.server);
  selfSigned = await startLocalServer((_request, res) => sendJson(res, 200, { ok: true }), certificates.selfSigned);
});
after(async () => {
  await Promise.all([signed.close(), selfSigned.close()]);
  certificates.dispose();
});

test('a certificate signed by the tls.caFile CA is accepted', async () => {
  const { client } = testClient(signed.url, { tls: { caFile: certificates.caFile, insecureSkipVerify: false } });
  assert.deepEqual((await client.request({ method: 'GET', path: '/', signal: never })).body, { ok: true });
  await client.close();
});

test('without the CA, the same server is refused', async () => {
  const { client } = testClient(signed.url);
  await assert.rejects(client.request({ method: 'GET', path: '/', signal: never }), { code: ErrorCode.PlatformUnreachable, message: /TLS verification failed/ });
  await client.close();
});

test('a self-signed certificate is refused, even with another CA trusted', async () => {
  const { client } = testClient(selfSigned.url, { tls: { caFile: certificates.caFile, insecureSkipVerify: false } });
  await assert.rejects(client.request({ method: 'GET', path: '/', signal: never }), { code: ErrorCode.PlatformUnreachable, message: /TLS verification failed/ });
  await client.close();
});

test('insecureSkipVerify accepts it, with one warning per client', async () => {
  const { client, lines } = testClient(selfSigned.url, { tls: { caFile: undefined, insecureSkipVerify: true } });
  await client.request({ method: 'GET', path: '/', signal: never });
  await client.request({ method: 'GET', path: '/', signal: never });
  assert.equal(lines.filter((line) => line.includes('insecureSkipVerify')).length, 1);
  await client.close();
});

test('an unreadable tls.caFile fails the request, naming the file', async () => {
  const { client } = testClient(signed.url, { tls: { caFile: '/nonexistent/ca.pem', insecureSkipVerify: false } });
  await assert.rejects(client.request({ method: 'GET', path: '/', signal: never }), { code: ErrorCode.PlatformUnreachable, message: /cannot read tls.caFile \/nonexistent\/ca.pem: ENOENT/ });
  await client.close();
});
