import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEndpoint, type EndpointConfig } from '../../../../src/config/index.js';
import { createAdapterRegistry } from '../../../../src/registry/index.js';
import { createOpenstackAdapter, findCloud, resolveOpenstackSettings, type CloudsYamlSources } from '../../../../adapters/openstack/index.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

let lab: OpenstackLab;
let root: string;
let sources: CloudsYamlSources;
const dirs = { cwd: '', home: '', etc: '', custom: '' };

before(async () => {
  lab = await startOpenstackLab();
  lab.simulator.seedDcmServers({ count: 8, tagged: 6 });
});
after(() => lab.close());
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'os-clouds-'));
  dirs.cwd = join(root, 'work');
  dirs.home = join(root, 'home');
  dirs.etc = join(root, 'etc-openstack');
  dirs.custom = join(root, 'custom');
  for (const dir of [dirs.cwd, join(dirs.home, '.config', 'openstack'), dirs.etc, dirs.custom]) mkdirSync(dir, { recursive: true });
  sources = { env: {}, cwd: dirs.cwd, homeDir: dirs.home, systemDir: dirs.etc };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** clouds.yaml text with one cloud per entry, as `openstack` CLI users write it. */
function cloudsYaml(clouds: Record<string, { auth: Record<string, string>; [key: string]: unknown }>): string {
  const lines = ['clouds:'];
  for (const [name, cloud] of Object.entries(clouds)) {
    lines.push(`  ${name}:`, '    auth:');
    for (const [key, value] of Object.entries(cloud.auth)) lines.push(`      ${key}: "${value}"`);
    for (const [key, value] of Object.entries(cloud)) if (key !== 'auth') lines.push(`    ${key}: ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

function passwordCloud(authUrl: string): { auth: Record<string, string>; [key: string]: unknown } {
  const credentials = lab.simulator.credentials;
  return {
    auth: { auth_url: authUrl, username: credentials.username, password: credentials.password, user_domain_name: credentials.userDomainName, project_name: credentials.projectName, project_domain_name: credentials.projectDomainName },
    region_name: 'RegionOne',
    interface: 'public',
  };
}

function issuesOf(input: Record<string, unknown>): string[] {
  const registry = createAdapterRegistry([createOpenstackAdapter({ cloudsYaml: sources })]);
  return validateEndpoint(input, registry, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config' }).issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('clouds.yaml', () => {
  test('a password cloud in ./clouds.yaml: its versionless auth_url gets /v3 and the poll lists the managed servers', async () => {
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), cloudsYaml({ lab: passwordCloud(lab.simulator.authUrl().replace(/\/v3$/, '')) }));
    const { connection } = connectOpenstack(lab.endpointInput({ url: null, auth: 'none', extra: { cloud: 'lab' } }), { cloudsYaml: sources });
    assert.equal((await listServers(connection)).instances.length, 6);
    await connection.close();
  });

  test('an application-credential cloud (auth_type v3applicationcredential) in ~/.config/openstack', async () => {
    const credentials = lab.simulator.credentials;
    const cloud = { auth: { auth_url: lab.simulator.authUrl(), application_credential_id: credentials.applicationCredentialId, application_credential_secret: credentials.applicationCredentialSecret }, auth_type: 'v3applicationcredential' };
    writeFileSync(join(dirs.home, '.config', 'openstack', 'clouds.yaml'), cloudsYaml({ appcred: cloud }));
    const { connection } = connectOpenstack(lab.endpointInput({ url: null, auth: 'none', extra: { cloud: 'appcred' } }), { cloudsYaml: sources });
    assert.equal((await listServers(connection)).instances.length, 6);
    await connection.close();
  });

  test('search order: OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack, /etc/openstack; the first file found is the one read', () => {
    const custom = join(dirs.custom, 'my-clouds.yaml');
    writeFileSync(join(dirs.etc, 'clouds.yaml'), cloudsYaml({ prod: passwordCloud('https://etc.example/v3') }));
    assert.equal(findCloud('prod', sources).ok && resolveAuthUrl('prod'), 'https://etc.example/v3');
    writeFileSync(join(dirs.home, '.config', 'openstack', 'clouds.yaml'), cloudsYaml({ prod: passwordCloud('https://home.example/v3') }));
    assert.equal(resolveAuthUrl('prod'), 'https://home.example/v3');
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), cloudsYaml({ prod: passwordCloud('https://cwd.example/v3') }));
    assert.equal(resolveAuthUrl('prod'), 'https://cwd.example/v3');
    writeFileSync(custom, cloudsYaml({ prod: passwordCloud('https://custom.example/v3') }));
    sources = { ...sources, env: { OS_CLIENT_CONFIG_FILE: custom } };
    assert.equal(resolveAuthUrl('prod'), 'https://custom.example/v3');
  });

  test('inline keys win over the entry: url, region, interface, a credential', () => {
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), cloudsYaml({ prod: passwordCloud('https://cloud.example/v3') }));
    const endpoint = endpointOf({ name: 'os-prod', platform: 'openstack', url: 'https://other.example/identity', cloud: 'prod', region: 'RegionTwo', interface: 'internal', credentials: { password: 'Inline-Passw0rd' } });
    const settings = resolveOpenstackSettings(endpoint, sources).settings;
    assert.deepEqual([settings?.authUrl, settings?.region, settings?.interface], ['https://other.example/identity/v3', 'RegionTwo', 'internal']);
    assert.equal(settings?.auth.method === 'password' && settings.auth.password, 'Inline-Passw0rd');
    assert.equal(settings?.auth.method === 'password' && settings.auth.username, lab.simulator.credentials.username);
  });

  test('a missing entry names the file read, the clouds it has, and every file searched', () => {
    writeFileSync(join(dirs.home, '.config', 'openstack', 'clouds.yaml'), cloudsYaml({ staging: passwordCloud('https://s.example/v3'), dev: passwordCloud('https://d.example/v3') }));
    const home = join(dirs.home, '.config', 'openstack', 'clouds.yaml');
    assert.deepEqual(issuesOf({ name: 'os-prod', platform: 'openstack', cloud: 'prod' }), [
      `endpoints[0].cloud: cloud "prod" is not in ${home}, the first clouds.yaml found (it has: staging, dev); searched ${join(dirs.cwd, 'clouds.yaml')} (working directory), ${home} (user config), ${join(dirs.etc, 'clouds.yaml')} (system config)`,
    ]);
  });

  test('no clouds.yaml anywhere: the files searched are named', () => {
    sources = { ...sources, env: { OS_CLIENT_CONFIG_FILE: join(dirs.custom, 'absent.yaml') } };
    assert.deepEqual(issuesOf({ name: 'os-prod', platform: 'openstack', cloud: 'prod' }), [`endpoints[0].cloud: no clouds.yaml found for cloud "prod"; searched ${join(dirs.custom, 'absent.yaml')} (OS_CLIENT_CONFIG_FILE), ${join(dirs.cwd, 'clouds.yaml')} (working directory), ${join(dirs.home, '.config', 'openstack', 'clouds.yaml')} (user config), ${join(dirs.etc, 'clouds.yaml')} (system config)`]);
  });

  test('an incomplete entry names the missing keys and the file; secrets are never echoed', () => {
    const cloud = passwordCloud('https://cloud.example/v3');
    delete cloud.auth['project_name'];
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), cloudsYaml({ prod: cloud }));
    const issues = issuesOf({ name: 'os-prod', platform: 'openstack', cloud: 'prod' });
    assert.deepEqual(issues, [`endpoints[0].credentials.projectName: is required for password authentication (nor in cloud "prod" of ${join(dirs.cwd, 'clouds.yaml')})`]);
    assert.doesNotMatch(issues.join(''), new RegExp(lab.simulator.credentials.password.replace(/[!]/g, '\\!')));
  });

  test('an unsupported auth_type, a missing auth_url, and a file that is not YAML', () => {
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), cloudsYaml({ token: { auth: { auth_url: 'https://c.example/v3', token: 'abc' }, auth_type: 'v3token' }, nourl: { auth: { application_credential_id: 'i', application_credential_secret: 's' } } }));
    assert.deepEqual(issuesOf({ name: 'os-a', platform: 'openstack', cloud: 'token' }), ['endpoints[0].cloud: auth_type "v3token" is not supported; use password (v3password) or v3applicationcredential']);
    assert.deepEqual(issuesOf({ name: 'os-a', platform: 'openstack', cloud: 'nourl' }), [`endpoints[0].url: is required: cloud "nourl" in ${join(dirs.cwd, 'clouds.yaml')} has no auth.auth_url`]);
    writeFileSync(join(dirs.cwd, 'clouds.yaml'), 'clouds:\n  prod: [unclosed\n');
    const notYaml = issuesOf({ name: 'os-a', platform: 'openstack', cloud: 'prod' });
    assert.equal(notYaml.length, 1);
    assert.match(notYaml[0] ?? '', /^endpoints\[0\]\.cloud: .*clouds\.yaml is not valid YAML: /);
  });
});

function endpointOf(input: Record<string, unknown>): EndpointConfig {
  const registry = createAdapterRegistry([createOpenstackAdapter({ cloudsYaml: sources })]);
  const { endpoint, issues } = validateEndpoint(input, registry, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config' });
  assert.deepEqual(issues, []);
  return endpoint as EndpointConfig;
}

function resolveAuthUrl(cloud: string): string | undefined {
  return resolveOpenstackSettings(endpointOf({ name: 'os-prod', platform: 'openstack', cloud }), sources).settings?.authUrl;
}
