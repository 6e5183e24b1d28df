import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeShapeDifferences, type RunningServer, type ShapeOptions } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { applicationCredentialAuth, call, issueToken, nova, passwordAuth, readOpenstackFixture } from './support.js';

// Four servers, so a `limit=1` listing has a next link as in the reference samples.
const simulator = createOpenstackSimulator({ maxMicroversion: '2.79' });
let running: RunningServer;
let token: string;
let serverId: string;

/** Admin-only fields of the samples (generated as admin); Nova's default policy hides them from project members. */
const ADMIN_ONLY = [
  'OS-EXT-SRV-ATTR:host',
  'OS-EXT-SRV-ATTR:hostname',
  'OS-EXT-SRV-ATTR:hypervisor_hostname',
  'OS-EXT-SRV-ATTR:instance_name',
  'OS-EXT-SRV-ATTR:kernel_id',
  'OS-EXT-SRV-ATTR:launch_index',
  'OS-EXT-SRV-ATTR:ramdisk_id',
  'OS-EXT-SRV-ATTR:reservation_id',
  'OS-EXT-SRV-ATTR:root_device_name',
  'OS-EXT-SRV-ATTR:user_data',
  'host_status',
];
/** Flavor extra specs are free-form per deployment; the samples show a few. */
const SAMPLE_EXTRA_SPECS = ['flavor.extra_specs.hw:mem_page_size', 'flavor.extra_specs.hw:cpu_policy', 'flavor.extra_specs.hw:numa_nodes'];
const under = (prefix: string, paths: readonly string[]): string[] => paths.map((path) => `${prefix}.${path}`);
const serverShape = (prefix: string): ShapeOptions => ({ optionalPaths: under(prefix, [...ADMIN_ONLY, ...SAMPLE_EXTRA_SPECS]) });

interface FixtureCase {
  readonly fixture: string;
  readonly label?: string;
  readonly fetch: () => Promise<unknown>;
  readonly shape?: ShapeOptions;
}

const json = async (answer: Promise<{ json: unknown }>): Promise<unknown> => (await answer).json;

const CASES: readonly FixtureCase[] = [
  {
    fixture: 'keystone-auth-password-project-scoped-response.json',
    fetch: () => json(call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials) })),
    // `extras` was dropped from token bodies after the sample was made; `password_expires_at` came later.
    shape: { optionalPaths: ['token.extras'], extraPaths: ['token.user.password_expires_at'] },
  },
  {
    fixture: 'keystone-auth-application-credential-response.json',
    fetch: () => json(call(simulator.authUrl(), '/auth/tokens', { json: applicationCredentialAuth(simulator.credentials) })),
  },
  {
    fixture: 'keystone-auth-password-project-scoped-response.json',
    label: 'GET /v3/auth/tokens (validate) answers like the issue response',
    fetch: () => json(call(simulator.authUrl(), '/auth/tokens', { headers: { 'x-auth-token': token, 'x-subject-token': token } })),
    shape: { optionalPaths: ['token.extras'], extraPaths: ['token.user.password_expires_at'] },
  },
  {
    fixture: 'keystone-error-unauthorized.json',
    fetch: () => json(call(simulator.authUrl(), '/auth/tokens', { json: passwordAuth(simulator.credentials, { password: 'wrong' }) })),
  },
  {
    fixture: 'keystone-error-unauthorized.json',
    label: 'keystone-error-unauthorized.json (Nova without a token)',
    fetch: () => json(call(simulator.computeUrl(), '/servers/detail')),
  },
  {
    fixture: 'nova-servers-details-resp.json',
    label: 'nova-servers-details-resp.json (microversion 2.1)',
    fetch: () => json(nova(simulator.computeUrl(), '/servers/detail?limit=1', token)),
    shape: serverShape('servers[]'),
  },
  {
    fixture: 'nova-v2.47-servers-details-resp.json',
    fetch: () => json(nova(simulator.computeUrl(), '/servers/detail?limit=1', token, '2.47')),
    shape: serverShape('servers[]'),
  },
  {
    fixture: 'nova-v2.47-server-get-resp.json',
    fetch: () => json(nova(simulator.computeUrl(), `/servers/${serverId}`, token, '2.47')),
    shape: serverShape('server'),
  },
  { fixture: 'nova-versions-get-resp.json', fetch: () => json(call(simulator.computeUrl().replace(/\/v2\.1$/, ''), '/')) },
  // The sample's `describedby` link carries `type`; items are compared with the first (`self`) link.
  { fixture: 'nova-v21-version-get-resp.json', fetch: () => json(call(simulator.computeUrl(), '/')), shape: { extraPaths: ['version.links[].type'] } },
  { fixture: 'nova-error-item-not-found.json', fetch: () => json(nova(simulator.computeUrl(), '/servers/5e7e0000-0000-4000-8000-00000000dead', token)) },
  { fixture: 'nova-error-bad-request-marker.json', fetch: () => json(nova(simulator.computeUrl(), '/servers/detail?marker=no-such-server', token)) },
  { fixture: 'nova-error-version-not-acceptable.json', fetch: () => json(nova(simulator.computeUrl(), '/servers/detail', token, '2.999')) },
  {
    fixture: 'nova-error-over-limit.json',
    fetch: () => {
      simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 3, trigger: { type: 'next', count: 1 } }]);
      return json(nova(simulator.computeUrl(), '/servers/detail', token));
    },
  },
];

describe('OpenStack simulator answers match the reference samples', () => {
  before(async () => {
    const seeded = simulator.seedDcmServers({ count: 4, tagged: 2 });
    // The samples' servers carry one metadata item; the untagged (newest) ones get the same.
    for (const server of seeded.filter((entry) => entry.instanceId === undefined)) {
      simulator.servers.setMetadata(server.serverId, { 'My Server Name': 'Apache1' });
      serverId = server.serverId;
    }
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());

  for (const fixtureCase of CASES) {
    it(fixtureCase.label ?? fixtureCase.fixture, async () => {
      const actual = await fixtureCase.fetch();
      assert.deepEqual(describeShapeDifferences(actual, readOpenstackFixture(fixtureCase.fixture), fixtureCase.shape), []);
    });
  }

  it('builds servers_links exactly as the reference does: collection URL, then limit and marker of the last server', async () => {
    const answer = await nova(simulator.computeUrl(), '/servers/detail?limit=1', token, '2.47');
    const page = answer.json as { servers: { id: string }[]; servers_links: { href: string; rel: string }[] };
    assert.deepEqual(page.servers_links, [{ href: `${simulator.computeUrl()}/servers/detail?limit=1&marker=${page.servers[0]?.id ?? ''}`, rel: 'next' }]);
  });

  it('finds a difference when there is one (the comparison is not vacuous)', () => {
    const reference = readOpenstackFixture('nova-error-item-not-found.json');
    assert.deepEqual(describeShapeDifferences({ itemNotFound: { code: '404' } }, reference), ['itemNotFound.code: expected number, got string', 'itemNotFound.message: missing']);
  });
});
