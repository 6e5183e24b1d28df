import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { basicAuthorization, call, loginApi, loginRest, useSimulator } from './support.js';

const clock = { now: 1_700_000_000_000 };
const simulator = createVsphereSimulator({ now: () => clock.now, sessionIdleSeconds: 600, maxSessionsPerUser: 3 });
const vcenter = useSimulator(simulator, { prepare: () => simulator.inventory.addVm({ id: 'vm-1', name: 'one' }) });

const AUTHENTICATION_REQUIRED = { id: 'com.vmware.vapi.endpoint.method.authentication.required', default_message: 'Authentication required.', args: [] };

describe('vSphere sessions', () => {
  it('/api: creates a session (201, JSON string), uses it via the header, deletes it (204)', async () => {
    const created = await call(vcenter.url, '/api/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } });
    assert.equal(created.status, 201);
    assert.match(String(created.json), /^[0-9a-f]{32}$/);
    const token = String(created.json);
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token })).status, 200);
    const info = await call(vcenter.url, '/api/session', { token });
    assert.equal((info.json as { user: string }).user, DEFAULT_CREDENTIALS.username);
    assert.equal((await call(vcenter.url, '/api/session', { method: 'DELETE', token })).status, 204);
    const afterLogout = await call(vcenter.url, '/api/vcenter/vm', { token });
    assert.equal(afterLogout.status, 401);
    assert.deepEqual(afterLogout.json, { error_type: 'UNAUTHENTICATED', messages: [AUTHENTICATION_REQUIRED] });
  });

  it('/rest: creates a session ({"value": token} and a cookie), accepts header or cookie, deletes it (200)', async () => {
    const created = await call(vcenter.url, '/rest/com/vmware/cis/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } });
    assert.equal(created.status, 200);
    const token = (created.json as { value: string }).value;
    assert.equal(created.headers.get('set-cookie'), `vmware-api-session-id=${token};Path=/rest`);
    assert.equal((await call(vcenter.url, '/rest/vcenter/vm', { token })).status, 200);
    assert.equal((await call(vcenter.url, '/rest/vcenter/vm', { headers: { cookie: `vmware-api-session-id=${token}` } })).status, 200);
    const info = await call(vcenter.url, '/rest/com/vmware/cis/session?~action=get', { method: 'POST', token });
    assert.equal((info.json as { value: { user: string } }).value.user, DEFAULT_CREDENTIALS.username);
    const deleted = await call(vcenter.url, '/rest/com/vmware/cis/session', { method: 'DELETE', token });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.text, '');
    const afterLogout = await call(vcenter.url, '/rest/vcenter/vm', { token });
    assert.equal(afterLogout.status, 401);
    assert.deepEqual(afterLogout.json, {
      type: 'com.vmware.vapi.std.errors.unauthenticated',
      value: { error_type: 'UNAUTHENTICATED', messages: [AUTHENTICATION_REQUIRED] },
    });
  });

  it('refuses wrong or missing credentials with 401 unauthenticated in each flavor', async () => {
    const wrong = basicAuthorization({ username: DEFAULT_CREDENTIALS.username, password: 'wrong' });
    const api = await call(vcenter.url, '/api/session', { method: 'POST', headers: { authorization: wrong } });
    assert.equal(api.status, 401);
    assert.equal((api.json as { error_type: string }).error_type, 'UNAUTHENTICATED');
    const rest = await call(vcenter.url, '/rest/com/vmware/cis/session', { method: 'POST' });
    assert.equal(rest.status, 401);
    assert.equal((rest.json as { type: string }).type, 'com.vmware.vapi.std.errors.unauthenticated');
    assert.equal(simulator.sessionCounters().failedLogins, 2);
    assert.equal(simulator.sessionCounters().logins, 0);
  });

  it('expires a session left idle for sessionIdleSeconds, using the injected clock', async () => {
    const token = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    clock.now += 599_000;
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token })).status, 200, 'each use restarts the idle timer');
    clock.now += 599_000;
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token })).status, 200);
    clock.now += 600_000;
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token })).status, 401);
    assert.equal(simulator.sessionCounters().expired, 1);
  });

  it('expires every session at once, in process and over /_sim/sessions/expire-all', async () => {
    const apiToken = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    const restToken = await loginRest(vcenter.url, DEFAULT_CREDENTIALS);
    assert.equal(simulator.expireAllSessions(), 2);
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token: apiToken })).status, 401);
    assert.equal((await call(vcenter.url, '/rest/vcenter/vm', { token: restToken })).status, 401);
    const again = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    const expired = await call(vcenter.url, '/_sim/sessions/expire-all', { method: 'POST' });
    assert.deepEqual(expired.json, { expired: 1 });
    assert.equal((await call(vcenter.url, '/api/vcenter/vm', { token: again })).status, 401);
  });

  it('caps concurrent sessions per user with 503 service_unavailable, freed by logout or idle expiry', async () => {
    const tokens = [await loginApi(vcenter.url, DEFAULT_CREDENTIALS), await loginApi(vcenter.url, DEFAULT_CREDENTIALS), await loginRest(vcenter.url, DEFAULT_CREDENTIALS)];
    const refused = await call(vcenter.url, '/api/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } });
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.json, {
      error_type: 'SERVICE_UNAVAILABLE',
      messages: [
        {
          id: 'com.vmware.vapi.endpoint.failedToLoginMaxUserSessionCountReached',
          default_message: `User session count is limited to 3. Existing session count is 3 for user ${DEFAULT_CREDENTIALS.username}`,
          args: ['3', '3', DEFAULT_CREDENTIALS.username],
        },
      ],
    });
    const restRefused = await call(vcenter.url, '/rest/com/vmware/cis/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } });
    assert.equal((restRefused.json as { type: string }).type, 'com.vmware.vapi.std.errors.service_unavailable');
    await call(vcenter.url, '/api/session', { method: 'DELETE', token: tokens[0] });
    await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    clock.now += 600_000;
    await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
  });

  it('counts logins and logouts so a test can assert one login across many calls', async () => {
    const token = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    for (let poll = 0; poll < 100; poll += 1) {
      await call(vcenter.url, '/api/vcenter/vm', { token });
    }
    await call(vcenter.url, '/api/session', { method: 'DELETE', token });
    assert.deepEqual(simulator.sessionCounters(), { logins: 1, failedLogins: 0, logouts: 1, expired: 0, active: 0 });
    assert.equal(simulator.stats().byRoute['POST /api/session'], 1);
    assert.equal(simulator.stats().byRoute['GET /api/vcenter/vm'], 100);
    const overHttp = await call(vcenter.url, '/_sim/stats');
    assert.deepEqual((overHttp.json as { platform: { sessions: unknown } }).platform.sessions, simulator.sessionCounters());
  });
});
