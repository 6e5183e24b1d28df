// The Keystone catalog is the registrant's to write: the compute URL the adapter picks from it
// goes through the same target policy, at connect time, as the registered URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTargetPolicy, type Resolver } from '../../../../src/api/index.js';
import { createSystemClock } from '../../../../src/clock/index.js';
import { isBridgeError } from '../../../../src/errors/index.js';
import { createOpenstackAdapter } from '../../../../adapters/openstack/index.js';
import { validateLabEndpoint } from '../../../support/adapter-lab.js';
import { memoryLogger } from '../../../support/harness.js';
import { listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

const dns: Record<string, string[]> = { 'nova.test': ['127.0.0.1'], 'nova-metadata.test': ['127.0.0.1', '169.254.169.254'] };
const lookups: string[] = [];
const resolver: Resolver = async (host) => {
  lookups.push(host);
  return dns[host] ?? [];
};
// The simulator listens on loopback, so the lab's registrations need private targets; metadata stays refused whatever.
const policy = createTargetPolicy({ allowedTargets: [], allowPrivateTargets: true }, resolver);

/** The origin the simulator's catalog gives for compute; each test sets it. */
let catalogOrigin = '';
let lab: OpenstackLab;
let keystoneUrl: string;

before(async () => {
  lab = await startOpenstackLab({
    simulator: {
      get publicUrl() {
        return catalogOrigin;
      },
    },
  });
  lab.simulator.seedDcmServers({ count: 3, tagged: 3 });
  // Keystone itself at the address the lab listens on; only the catalog moves.
  keystoneUrl = `${lab.url}/identity/v3`;
});
after(() => lab.close());

function connect(name: string) {
  const adapter = createOpenstackAdapter({ requestTimeoutMs: 2_000 });
  const endpoint = validateLabEndpoint(lab.endpointInput({ name, url: keystoneUrl }), adapter);
  return adapter.connect(endpoint, { logger: memoryLogger().logger, clock: createSystemClock(), targetCheck: policy });
}

const computeRequests = (): number => Object.entries(lab.simulator.stats().byRoute).filter(([route]) => route.includes('/servers')).reduce((sum, [, count]) => sum + count, 0);

test('a catalog naming an allowed host: the compute URL is resolved through the policy and listed', async () => {
  const port = new URL(lab.url).port;
  catalogOrigin = `http://nova.test:${port}`;
  lookups.length = 0;
  const connection = connect('os-catalog-ok');
  const { instances } = await listServers(connection);
  assert.equal(instances.length, 3);
  assert.ok(lookups.includes('nova.test'), `the catalog's host was resolved by the policy's resolver (${lookups.join(', ')})`);
  await connection.close();
});

test('a catalog pointing compute at a host that resolves to the metadata address is refused at connect time; Nova is never asked', async () => {
  const port = new URL(lab.url).port;
  catalogOrigin = `http://nova-metadata.test:${port}`;
  lab.simulator.resetStats();
  const connection = connect('os-catalog-rebound');
  await assert.rejects(listServers(connection), (error: unknown) => {
    assert.ok(isBridgeError(error, 'PERMISSION_DENIED'), String(error));
    assert.match(
      error.message,
      /^openstack endpoint os-catalog-rebound: GET \/compute\/v2\.1\/servers\/detail not sent: host nova-metadata\.test resolves to 169\.254\.169\.254, which is a metadata address \(refused unless a CIDR in api\.allowedTargets covers it\); the target policy refuses it$/,
    );
    return true;
  });
  assert.equal(lab.simulator.stats().byRoute['POST /identity/v3/auth/tokens'], 1, 'Keystone (the registered, allowed URL) was asked for the token and catalog');
  assert.equal(computeRequests(), 0, 'no compute request reached any socket');
  await connection.close();
});

test('a catalog naming the metadata address literally is refused before a socket exists', async () => {
  for (const origin of ['http://169.254.169.254', 'http://[fd00:ec2::254]:8774', 'http://[::ffff:a9fe:a9fe]']) {
    catalogOrigin = origin;
    lab.simulator.resetStats();
    const connection = connect('os-catalog-literal');
    await assert.rejects(listServers(connection), (error: unknown) => {
      assert.ok(isBridgeError(error, 'PERMISSION_DENIED'), `${origin}: ${String(error)}`);
      assert.match(error.message, /GET \/compute\/v2\.1\/servers\/detail not sent: \S+ is a metadata address/, origin);
      return true;
    });
    assert.equal(computeRequests(), 0);
    await connection.close();
  }
});
