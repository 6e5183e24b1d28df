import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { connectVsphere, listAll } from '../../../support/vsphere-lab.js';
import { sendJson, startLocalServer, type LocalServer } from '../../platform-http/local-server.js';

// A "vCenter" that logs in fine and then answers with shapes the reference does not document.
const answers: Record<string, unknown> = {
  'POST /api/session': 'token-1',
  'POST /rest/com/vmware/cis/session': { value: 'token-2' },
  'GET /api/cis/tagging/category': { categories: [] },
  'GET /rest/com/vmware/cis/tagging/category': ['not wrapped in value'],
};
let server: LocalServer;
before(async () => {
  server = await startLocalServer((request, res) => {
    const key = `${request.method} ${new URL(request.url, 'http://x').pathname}`;
    sendJson(res, key.startsWith('POST') ? 201 : 200, answers[key] ?? null);
  });
});
after(() => server.close());

const input = (apiFlavor: 'api' | 'rest') => ({ name: 'vc-odd', platform: 'vsphere', url: server.url, apiFlavor, credentials: { username: 'u', password: 'p' } });

test('/api: an answer of the wrong shape → PLATFORM_PAYLOAD naming the endpoint, the call and the field', async () => {
  const { connection } = connectVsphere(input('api'));
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformPayload, message: 'vsphere endpoint vc-odd: GET /api/cis/tagging/category answered an unexpected payload: the id list is not a list' });
  await connection.close();
});

test('/rest: an answer without the {"value": …} wrapper → PLATFORM_PAYLOAD', async () => {
  const { connection } = connectVsphere(input('rest'));
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformPayload, message: /GET \/rest\/com\/vmware\/cis\/tagging\/category answered an unexpected payload: the answer is not wrapped in \{"value": …\}/ });
  await connection.close();
});

test('a login answer without a token → PLATFORM_PAYLOAD, and the session is not kept', async () => {
  answers['POST /api/session'] = { token: 'in the wrong place' };
  const logins = (): number => server.requests.filter((request) => request.method === 'POST' && request.url === '/api/session').length;
  const before = logins();
  const { connection } = connectVsphere(input('api'));
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformPayload, message: /POST \/api\/session answered an unexpected payload: the session token is not a non-empty string/ });
  await assert.rejects(listAll(connection), { code: ErrorCode.PlatformPayload }, 'the next poll logs in again');
  assert.equal(logins() - before, 2);
  await connection.close();
});
