import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { AUTHENTICATION_REQUIRED, createOpenstackSimulator } from './index.js';
import { applicationCredentialAuth, call, issueToken, nova, passwordAuth } from './support.js';

const START = Date.parse('2025-03-01T12:00:00Z');
let clock = START;
const simulator = createOpenstackSimulator({ now: () => clock, tokenTtlSeconds: 600 });
let running: RunningServer;

interface TokenAnswer {
  token: { expires_at: string; issued_at: string; methods: string[]; project?: { name: string }; catalog?: { type: string; name: string; endpoints: { interface: string; url: string; region: string }[] }[] };
}

describe('Keystone v3 tokens', () => {
  before(async () => {
    simulator.seedDcmServers({ count: 3, tagged: 3 });
    running = await simulator.start();
  });
  after(() => running.close());
  beforeEach(() => {
    clock = START;
  });

  it('issues a project-scoped token for a password: 201, X-Subject-Token, expiry from the TTL, a catalog pointing at the simulator', async () => {
    const answer = await call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials) });
    assert.equal(answer.status, 201);
    assert.match(answer.headers.get('x-subject-token') ?? '', /^gAAAAAB[\w-]{100,}$/);
    const { token } = answer.json as TokenAnswer;
    assert.deepEqual(token.methods, ['password']);
    assert.equal(token.issued_at, '2025-03-01T12:00:00.000000Z');
    assert.equal(token.expires_at, '2025-03-01T12:10:00.000000Z');
    assert.equal(token.project?.name, simulator.credentials.projectName);
    const compute = token.catalog?.find((service) => service.type === 'compute');
    assert.deepEqual(compute?.endpoints.map((endpoint) => [endpoint.interface, endpoint.url, endpoint.region]), [
      ['public', simulator.computeUrl(), 'RegionOne'],
      ['internal', simulator.computeUrl(), 'RegionOne'],
      ['admin', simulator.computeUrl(), 'RegionOne'],
    ]);
    assert.equal(simulator.computeUrl(), `${running.url}/compute/v2.1`);
    assert.deepEqual(token.catalog?.find((service) => service.type === 'identity')?.endpoints[0]?.url, `${running.url}/identity`);
  });

  it('accepts the user and project by id as well as by name + domain', async () => {
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { id: simulator.ids.userId, password: simulator.credentials.password } } },
        scope: { project: { id: simulator.ids.projectId } },
      },
    };
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { json: body })).status, 201);
  });

  it('answers bad credentials, an unknown project and an unknown method with 401 in Keystone\'s error shape', async () => {
    const wrongPassword = await call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials, { password: 'nope' }) });
    assert.equal(wrongPassword.status, 401);
    assert.deepEqual(wrongPassword.json, { error: { code: 401, message: AUTHENTICATION_REQUIRED, title: 'Unauthorized' } });
    assert.equal(wrongPassword.headers.get('www-authenticate'), `Keystone uri="${running.url}/identity"`);
    const otherProject = { auth: { identity: (passwordAuth(simulator.credentials) as { auth: { identity: unknown } }).auth.identity, scope: { project: { name: 'other', domain: { name: 'Default' } } } } };
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { json: otherProject })).status, 401);
    const totp = await call(simulator.authUrl(), '/auth/tokens', { json: { auth: { identity: { methods: ['totp'] } } } });
    assert.equal(totp.status, 401);
    const malformed = await call(simulator.authUrl(), '/auth/tokens', { json: { auth: {} } });
    assert.equal(malformed.status, 400);
    assert.equal((malformed.json as { error: { title: string } }).error.title, 'Bad Request');
  });

  it('issues a token for an application credential (id + secret) and refuses a wrong secret', async () => {
    const answer = await call(simulator.authUrl(), '/auth/tokens', { json: applicationCredentialAuth(simulator.credentials) });
    assert.equal(answer.status, 201);
    assert.deepEqual((answer.json as TokenAnswer).token.methods, ['application_credential']);
    const token = answer.headers.get('x-subject-token') ?? '';
    assert.equal((await nova(simulator.computeUrl(), '/servers', token)).status, 200);
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { json: applicationCredentialAuth(simulator.credentials, 'wrong') })).status, 401);
  });

  it('gives an unscoped password token no catalog, and Nova refuses it', async () => {
    const answer = await call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials, { scoped: false }) });
    assert.equal(answer.status, 201);
    assert.equal((answer.json as TokenAnswer).token.catalog, undefined);
    assert.equal((await nova(simulator.computeUrl(), '/servers', answer.headers.get('x-subject-token') ?? '')).status, 401);
  });

  it('validates a token with GET (200, or 404 for an unknown subject; 401 for a bad caller token) and revokes it with DELETE', async () => {
    const token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    const valid = await call(simulator.authUrl(), '/auth/tokens', { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    assert.equal(valid.status, 200);
    assert.equal(valid.headers.get('x-subject-token'), token);
    const unknown = await call(simulator.authUrl(), '/auth/tokens', { headers: { 'x-auth-token': token, 'x-subject-token': 'gAAAAABnope' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { error: { code: 404, message: 'Could not find token: gAAAAABnope.', title: 'Not Found' } });
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { headers: { 'x-auth-token': 'bad', 'x-subject-token': token } })).status, 401);
    const catalogLess = await call(simulator.authUrl(), '/auth/tokens?nocatalog', { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    assert.equal((catalogLess.json as TokenAnswer).token.catalog, undefined);
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } })).status, 204);
    assert.equal((await nova(simulator.computeUrl(), '/servers', token)).status, 401);
  });

  it('expires tokens by the injected clock: Nova answers 401 with WWW-Authenticate once expires_at has passed', async () => {
    const token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    clock = START + 599_999;
    assert.equal((await nova(simulator.computeUrl(), '/servers', token)).status, 200);
    clock = START + 600_000;
    const expired = await nova(simulator.computeUrl(), '/servers', token);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.json, { error: { code: 401, message: AUTHENTICATION_REQUIRED, title: 'Unauthorized' } });
    assert.equal(expired.headers.get('www-authenticate'), `Keystone uri="${running.url}/identity"`);
    assert.equal((await call(simulator.authUrl(), '/auth/tokens', { headers: { 'x-auth-token': await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials)), 'x-subject-token': token } })).status, 404);
  });

  it('expires or revokes every token on request (in process and over /_sim/)', async () => {
    const first = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    assert.ok(simulator.expireAllTokens() >= 1);
    assert.equal((await nova(simulator.computeUrl(), '/servers', first)).status, 401);
    const second = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    const revoked = await call(running.url, '/_sim/tokens/revoke-all', { method: 'POST' });
    assert.equal(revoked.status, 200);
    assert.equal((await nova(simulator.computeUrl(), '/servers', second)).status, 401);
    const third = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    assert.equal((await call(running.url, '/_sim/tokens/expire-all', { method: 'POST' })).status, 200);
    assert.equal((await nova(simulator.computeUrl(), '/servers', third)).status, 401);
  });

  it('counts token requests: 100 polls with one token → 1 token issued', async () => {
    simulator.reset();
    simulator.seedDcmServers({ count: 10, tagged: 10 });
    const token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
    for (let poll = 0; poll < 100; poll += 1) {
      assert.equal((await nova(simulator.computeUrl(), '/servers/detail', token, '2.26')).status, 200);
    }
    await call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials, { password: 'nope' }) });
    const stats = simulator.stats();
    assert.equal(stats.byRoute['POST /identity/v3/auth/tokens'], 2);
    assert.equal(stats.byRoute['GET /compute/v2.1/servers/detail'], 100);
    assert.deepEqual(simulator.tokenCounters(), { issued: 1, failedAuth: 1, validated: 0, rejected: 0, revoked: 0, active: 1 });
    assert.deepEqual((await call(running.url, '/_sim/tokens')).json, simulator.tokenCounters());
  });
});

describe('Keystone at the origin root (`/v3`)', () => {
  const rootSimulator = createOpenstackSimulator({ identityPath: '' });
  let rootRunning: RunningServer;
  before(async () => {
    rootRunning = await rootSimulator.start();
  });
  after(() => rootRunning.close());

  it('serves /v3/auth/tokens and lists the identity endpoint at the origin', async () => {
    assert.equal(rootSimulator.authUrl(), `${rootRunning.url}/v3`);
    const answer = await call(rootSimulator.authUrl(), '/auth/tokens', { json: passwordAuth(rootSimulator.credentials) });
    assert.equal(answer.status, 201);
    const identity = (answer.json as TokenAnswer).token.catalog?.find((service) => service.type === 'identity');
    assert.equal(identity?.endpoints[0]?.url, rootRunning.url);
    const unknown = await call(rootRunning.url, '/v3/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json as { error: { title: string } }).error.title, 'Not Found');
  });
});
