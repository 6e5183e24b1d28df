import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, throwAwayCertificate, type RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { passwordAuth } from './support.js';

const certificate = throwAwayCertificate();
const simulator = createOpenstackSimulator();
let running: RunningServer | undefined;

// openssl makes the certificate; without it these tests fail (never skipped).
describe('OpenStack simulator over HTTPS', () => {
  before(async () => {
    assert.ok(certificate !== undefined, 'openssl is needed to make a throw-away certificate');
    simulator.seedDcmServers({ count: 2, tagged: 1 });
    running = await simulator.start({ tls: certificate });
  });
  after(() => running?.close());

  it('issues a token whose catalog points at https, and lists servers over TLS', async () => {
    assert.ok(running !== undefined && certificate !== undefined);
    assert.match(simulator.computeUrl(), /^https:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1$/);
    const login = await rawRequest(simulator.authUrl(), '/identity/v3/auth/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(passwordAuth(simulator.credentials)),
      ca: certificate.cert,
    });
    assert.ok(login.kind === 'response');
    assert.equal(login.status, 201);
    const catalog = (JSON.parse(login.body.toString('utf8')) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } }).token.catalog;
    assert.equal(catalog.find((service) => service.type === 'compute')?.endpoints[0]?.url, simulator.computeUrl());
    const list = await rawRequest(running.url, '/compute/v2.1/servers', { headers: { 'x-auth-token': String(login.headers['x-subject-token']) }, ca: certificate.cert });
    assert.ok(list.kind === 'response');
    assert.equal((JSON.parse(list.body.toString('utf8')) as { servers: unknown[] }).servers.length, 2);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    assert.ok(running !== undefined);
    assert.equal((await rawRequest(running.url, '/compute/v2.1/')).kind, 'failed');
  });
});
