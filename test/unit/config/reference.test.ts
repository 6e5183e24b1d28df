import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configurationJsonSchema, configurationReference, endpointCommonSchema, environmentNameOf, loadConfig, settingsSchema, type DocumentedPlatform } from '../../../src/config/index.js';
import { BridgeError } from '../../../src/errors/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

// The generator reads the schemas the bridge validates with; these tests hold it to that, key by key,
// and check that the JSON Schema refuses what validate-config refuses (docs/configuration.md, "Editors").

const platforms = builtinAdapters();
const adapters = createAdapterRegistry(platforms);
const reference = configurationReference(platforms);
const jsonSchema = configurationJsonSchema(platforms);
const validateWithJsonSchema = new Ajv2020({ allErrors: true, strict: true }).compile(jsonSchema);

/** Leaf paths of a convict schema, in declaration order. */
function leafPaths(schema: object, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return node !== null && typeof node === 'object' && 'default' in node ? [path] : leafPaths(node as object, path);
  });
}

/** The Markdown between `### \`<platform>\`` and the next heading of that level. */
function platformSection(markdown: string, platform: string): string {
  const start = markdown.indexOf(`### \`${platform}\``);
  assert.ok(start >= 0, `no section for ${platform}`);
  const end = markdown.indexOf('\n### ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

test('the reference has a row for every settings key with its environment variable and default', () => {
  const paths = leafPaths(settingsSchema);
  assert.ok(paths.length > 50, `only ${paths.length} settings keys found`);
  for (const path of paths) {
    const row = reference.split('\n').find((line) => line.startsWith(`| \`${path}\` |`));
    assert.ok(row, `no row for ${path}`);
    assert.ok(row.includes(`\`${environmentNameOf(path)}\``), `${path}: environment variable missing in ${row}`);
  }
  assert.match(reference, /\| `scheduler\.maxConcurrentPolls` \| whole number ≥ 1 \| `8` \| `DCM_BRIDGE_SCHEDULER_MAX_CONCURRENT_POLLS` \|/);
  assert.match(reference, /\| `publisher\.kind` \| one of `nats`, `stdout` \| `"nats"` \|/);
  assert.match(reference, /\| `cache\.password` \| string; \*\*secret\*\* \| unset \|/);
});

test('every endpoint key, and every platform key and credential, is documented in its section', () => {
  for (const path of leafPaths(endpointCommonSchema(30, true))) assert.match(reference, new RegExp(`\\| \`${path.replace(/\./g, '\\.')}\` \\|`), `common key ${path}`);
  assert.match(reference, /\| `intervalSeconds` \| whole number ≥ 1 \| `scheduler\.defaultIntervalSeconds` \|/);
  for (const platform of platforms) {
    const section = platformSection(reference, platform.platform);
    assert.match(section, new RegExp(`polled at most every ${platform.minimumIntervalSeconds} s`));
    for (const path of leafPaths(platform.configSchema.options)) assert.ok(section.includes(`| \`${path}\` |`), `${platform.platform}: ${path}`);
    for (const path of leafPaths(platform.configSchema.credentials)) assert.ok(section.includes(`| \`credentials.${path}\` |`), `${platform.platform}: credentials.${path}`);
  }
  assert.match(platformSection(reference, 'vsphere'), /\| `credentials\.username` \| non-empty string \| \*\*required\*\* \|/);
  assert.match(platformSection(reference, 'ec2'), /\| `region` \| a region name such as us-east-1 \| \*\*required\*\* \|/);
  assert.match(platformSection(reference, 'openstack'), /\| `interface` \| one of `public`, `internal`, `admin` \| unset \|/);
});

test('a platform and a key the generator has never seen appear in both outputs without edits to it', () => {
  const file = createFileAdapter({ minimumIntervalSeconds: 15 });
  const withFile: DocumentedPlatform[] = [...platforms, file];
  const markdown = configurationReference(withFile);
  assert.match(platformSection(markdown, 'file'), /\| `file` \| string \| `""` \| JSON file with the platform state\. \|/);
  assert.match(platformSection(markdown, 'file'), /\| `credentials\.token` \| string; \*\*secret\*\* \|/);
  const schema = configurationJsonSchema(withFile) as { $defs: Record<string, { properties: Record<string, { minimum?: number }> }> };
  const fileEndpoint = schema.$defs['fileEndpoint'];
  assert.ok(fileEndpoint, 'no $defs.fileEndpoint');
  assert.ok(fileEndpoint.properties['file'], 'the platform key is a property');
  assert.equal(fileEndpoint.properties['intervalSeconds']?.minimum, 15, "the adapter's floor is the minimum");
});

test('the JSON Schema accepts a valid configuration of every platform, with references in constrained strings', () => {
  const config = {
    provider: { name: 'bridge-1' },
    publisher: { url: '${env:NATS_URL}', password: '${file:/run/secrets/nats}', user: 'bridge' },
    api: { credentialKeys: [{ id: 'k1', key: '${file:/run/secrets/k1}' }] },
    endpoints: [
      { name: 'vc', platform: 'vsphere', url: 'https://vc.example', credentials: { username: 'u', password: '${env:P}' }, selector: { source: 'customAttribute' }, apiFlavor: 'vim', stateOverrides: { SUSPENDED: 'STOPPED' } },
      { name: 'os', platform: 'openstack', url: 'https://keystone.example/v3', interface: 'internal', credentials: { applicationCredentialId: 'id', applicationCredentialSecret: '${env:S}' } },
      { name: 'aws', platform: 'ec2', region: '${env:AWS_REGION_OF_LAB}', roleArn: 'arn:aws:iam::123456789012:role/r', intervalSeconds: 10 },
    ],
  };
  assert.ok(validateWithJsonSchema(config), JSON.stringify(validateWithJsonSchema.errors));
});

/** Each config is refused by the JSON Schema and by the bridge's loader, which names `path`. */
const invalidConfigs: ReadonlyArray<{ readonly name: string; readonly yaml: string; readonly path: string }> = [
  { name: 'a misspelled settings key', yaml: 'publsher: { url: "nats://n:4222" }\n', path: 'publsher' },
  { name: 'a value outside an enum', yaml: 'publisher: { kind: kafka }\n', path: 'publisher.kind' },
  { name: 'a number out of range', yaml: 'scheduler: { jitterRatio: 2 }\n', path: 'scheduler.jitterRatio' },
  { name: 'a string where a number belongs', yaml: 'scheduler: { maxConcurrentPolls: "8" }\n', path: 'scheduler.maxConcurrentPolls' },
  { name: 'an interval below the adapter floor', yaml: 'endpoints:\n  - { name: vc, platform: vsphere, url: "https://vc.example", intervalSeconds: 5, credentials: { username: u, password: p } }\n', path: 'endpoints[0].intervalSeconds' },
  { name: 'a required credential left out', yaml: 'endpoints:\n  - { name: vc, platform: vsphere, url: "https://vc.example", credentials: { username: u } }\n', path: 'endpoints[0].credentials.password' },
  { name: 'EC2 without a region', yaml: 'endpoints:\n  - { name: aws, platform: ec2 }\n', path: 'endpoints[0].region' },
  { name: 'selector.source on a platform with one place', yaml: 'endpoints:\n  - { name: aws, platform: ec2, region: us-east-1, selector: { source: tag } }\n', path: 'endpoints[0].selector.source' },
  { name: 'an OpenStack interface that does not exist', yaml: 'endpoints:\n  - { name: os, platform: openstack, url: "https://k.example/v3", interface: private, credentials: { applicationCredentialId: i, applicationCredentialSecret: s } }\n', path: 'endpoints[0].interface' },
  { name: 'an endpoint name that is not a DNS label', yaml: 'endpoints:\n  - { name: VC_1, platform: vsphere, url: "https://vc.example", credentials: { username: u, password: p } }\n', path: 'endpoints[0].name' },
  { name: 'an unknown platform', yaml: 'endpoints:\n  - { name: x, platform: hyperv }\n', path: 'endpoints[0].platform' },
];

for (const invalid of invalidConfigs) {
  test(`both refuse ${invalid.name}`, async () => {
    const { parse } = await import('yaml');
    assert.equal(validateWithJsonSchema(parse(invalid.yaml)), false, 'the JSON Schema accepted it');
    assert.throws(
      () => loadConfig({ yaml: { text: invalid.yaml, origin: 't.yaml' }, env: {}, adapters }),
      (error: unknown) => error instanceof BridgeError && error.code === 'CONFIG_INVALID' && error.message.includes(invalid.path),
      `validate-config does not name ${invalid.path}`,
    );
  });
}
