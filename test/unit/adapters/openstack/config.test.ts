import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, validateEndpoint, type EndpointConfig } from '../../../../src/config/index.js';
import { createAdapterRegistry, builtinAdapters } from '../../../../src/registry/index.js';
import { createOpenstackAdapter, resolveOpenstackSettings } from '../../../../adapters/openstack/index.js';

// No clouds.yaml anywhere: these tests are about inline keys.
const nowhere = { env: {}, cwd: '/nonexistent/cwd', homeDir: '/nonexistent/home', systemDir: '/nonexistent/etc' };
const registry = createAdapterRegistry([createOpenstackAdapter({ cloudsYaml: nowhere })]);

const passwordCredentials = { username: 'dcm-bridge', password: 'S3cret-Passw0rd', userDomainName: 'Default', projectName: 'dcm', projectDomainName: 'Default' };
const base = { name: 'os-prod', platform: 'openstack', url: 'https://keystone.example/v3', credentials: passwordCredentials };

function issuesOf(input: Record<string, unknown>, origin: EndpointConfig['origin'] = 'config'): string[] {
  const { issues } = validateEndpoint(input, registry, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin });
  return issues.map((issue) => `${issue.path}: ${issue.message}`);
}

function endpointOf(input: Record<string, unknown>): EndpointConfig {
  const { endpoint, issues } = validateEndpoint(input, registry, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config' });
  assert.deepEqual(issues, []);
  return endpoint as EndpointConfig;
}

describe('openstack endpoint validation', () => {
  test('a complete password endpoint and a complete application-credential endpoint are valid', () => {
    assert.deepEqual(issuesOf(base), []);
    assert.deepEqual(issuesOf({ ...base, credentials: { applicationCredentialId: 'abc', applicationCredentialSecret: 'Very-Secret-Value' } }), []);
  });

  test('the builtin registry knows the platform; intervals below 10 s are refused', () => {
    const yaml = `endpoints:\n  - { name: os-a, platform: openstack, url: "https://keystone.example/v3", intervalSeconds: 5, credentials: { applicationCredentialId: "id", applicationCredentialSecret: "\${env:OS_SECRET}" } }\n`;
    assert.throws(() => loadConfig({ yaml: { text: yaml, origin: 'test.yaml' }, env: { OS_SECRET: 'from-env' }, adapters: createAdapterRegistry(builtinAdapters()) }), /endpoints\[0\]\.intervalSeconds: 5 is below the openstack adapter's floor of 10 seconds/);
  });

  const cases: { name: string; input: Record<string, unknown>; origin?: EndpointConfig['origin']; expected: string[] }[] = [
    { name: 'no url and no cloud', input: { ...base, url: undefined }, expected: ['endpoints[0].url: is required: the Keystone v3 auth URL (https://keystone.example/v3), unless cloud names a clouds.yaml entry'] },
    {
      name: 'no credentials at all',
      input: { ...base, credentials: {} },
      expected: ['endpoints[0].credentials: give username, password, userDomainName, projectName and projectDomainName (password auth), or applicationCredentialId and applicationCredentialSecret, or name a clouds.yaml entry with cloud'],
    },
    {
      name: 'password keys half given',
      input: { ...base, credentials: { username: 'u', password: 'S3cret-Passw0rd' } },
      expected: ['userDomainName', 'projectName', 'projectDomainName'].map((key) => `endpoints[0].credentials.${key}: is required for password authentication`),
    },
    { name: 'an application credential without its secret', input: { ...base, credentials: { applicationCredentialId: 'abc' } }, expected: ['endpoints[0].credentials.applicationCredentialSecret: is required for application credential authentication'] },
    {
      name: 'both auth methods',
      input: { ...base, credentials: { ...passwordCredentials, applicationCredentialId: 'abc', applicationCredentialSecret: 'x-secret' } },
      expected: ['endpoints[0].credentials: give either the password keys (username, password, userDomainName, projectName, projectDomainName) or the application credential keys (applicationCredentialId, applicationCredentialSecret), not both'],
    },
    { name: 'Keystone v2.0 URL', input: { ...base, url: 'https://keystone.example:5000/v2.0' }, expected: ['endpoints[0].url: the Keystone auth URL points at Keystone v2.0, which was removed in Queens; give the v3 URL (…/v3)'] },
    { name: 'an unknown interface', input: { ...base, interface: 'private' }, expected: ['endpoints[0].interface: must be one of public, internal, admin: value was "private"'] },
    { name: 'an unknown instanceIdSource', input: { ...base, instanceIdSource: 'label' }, expected: ['endpoints[0].instanceIdSource: must be one of metadata, tag: value was "label"'] },
    { name: 'a computeUrl with a query', input: { ...base, computeUrl: 'https://nova.example/v2.1?x=1' }, expected: ['endpoints[0].computeUrl: must be the compute endpoint without query string or user info (https://nova.example/v2.1)'] }, // a URL is never quoted: it may carry a password
    { name: 'a misspelt key', input: { ...base, regoin: 'RegionOne' }, expected: ['endpoints[0].regoin: unknown key (check its spelling and nesting)'] },
    { name: 'a managed-by tag Nova cannot hold', input: { ...base, selector: { managedByKey: 'managed-by', managedByValue: 'dcm,prod' } }, expected: ['endpoints[0].selector.managedByValue: with selector.managedByKey makes the Nova tag "managed-by=dcm,prod", and Nova tags may not contain "/" or ","'] },
    {
      name: 'an instance-id key too long for tags',
      input: { ...base, instanceIdSource: 'tag', selector: { instanceIdKey: 'k'.repeat(59) } },
      expected: [`endpoints[0].selector.instanceIdKey: is too long for instanceIdSource: tag: "${'k'.repeat(59)}=<id>" must fit in 60 characters`],
    },
    {
      name: 'cloud in a REST registration',
      input: { ...base, cloud: 'prod' },
      origin: 'api',
      expected: ["endpoints[0].cloud: names an entry of the bridge host's clouds.yaml, which only endpoints of the configuration file may use; give url and credentials instead"],
    },
  ];
  for (const { name, input, origin, expected } of cases) {
    test(`${name}: ${expected.length} issue(s) with key paths`, () => {
      const issues = issuesOf(input, origin);
      assert.deepEqual(issues, expected);
      assert.doesNotMatch(issues.join('\n'), /S3cret-Passw0rd|x-secret/);
    });
  }

  test('a secret of the wrong type is reported without its value', () => {
    const issues = issuesOf({ ...base, credentials: { ...passwordCredentials, password: 918273645 } });
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /^endpoints\[0\]\.credentials\.password: /);
    assert.doesNotMatch(issues[0] ?? '', /918273645/);
  });

  test('the auth URL gets /v3 when it has no version; interface defaults to public; credentials are secrets in the schema', () => {
    const settingsOf = (url: string): string | undefined => resolveOpenstackSettings(endpointOf({ ...base, url }), nowhere).settings?.authUrl;
    assert.equal(settingsOf('https://keystone.example:5000'), 'https://keystone.example:5000/v3');
    assert.equal(settingsOf('https://cloud.example/identity'), 'https://cloud.example/identity/v3');
    assert.equal(settingsOf('https://cloud.example/identity/v3/'), 'https://cloud.example/identity/v3');
    const settings = resolveOpenstackSettings(endpointOf(base), nowhere).settings;
    assert.deepEqual([settings?.interface, settings?.region, settings?.managedByTag, settings?.instanceIdSource], ['public', undefined, 'managed-by=dcm', 'metadata']);
    const schema = createOpenstackAdapter().configSchema.credentials as Record<string, { sensitive?: boolean }>;
    assert.deepEqual(Object.keys(schema).filter((key) => schema[key]?.sensitive), ['password', 'applicationCredentialSecret']);
  });
});
