import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest, throwAwayCertificate, type RunningServer } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { basicAuthorization } from './support.js';

const certificate = throwAwayCertificate();
const simulator = createVsphereSimulator();
let running: RunningServer | undefined;

// openssl makes the certificate; without it these tests fail (never skipped).
describe('vSphere simulator over HTTPS', () => {
  before(async () => {
    assert.ok(certificate !== undefined, 'openssl is needed to make a throw-away certificate');
    simulator.inventory.addVm({ id: 'vm-1', name: 'secure' });
    running = await simulator.start({ tls: certificate });
  });
  after(() => running?.close());

  it('serves a login and a list to a client trusting the self-signed certificate', async () => {
    assert.ok(running !== undefined && certificate !== undefined);
    assert.match(running.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const login = await rawRequest(running.url, '/api/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) }, ca: certificate.cert });
    assert.equal(login.kind, 'response');
    assert.ok(login.kind === 'response');
    assert.equal(login.status, 201);
    const token = JSON.parse(login.body.toString('utf8')) as string;
    const list = await rawRequest(running.url, '/api/vcenter/vm', { headers: { 'vmware-api-session-id': token }, ca: certificate.cert });
    assert.ok(list.kind === 'response');
    assert.deepEqual(JSON.parse(list.body.toString('utf8')), [{ vm: 'vm-1', name: 'secure', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 4096 }]);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    assert.ok(running !== undefined);
    const outcome = await rawRequest(running.url, '/api/vcenter/vm');
    assert.equal(outcome.kind, 'failed');
  });
});
