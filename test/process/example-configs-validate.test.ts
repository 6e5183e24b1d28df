import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { runBridgeCommand } from '../support/cli-process.js';

// Every configuration shipped in config/ and config/examples/ (docs/configuration.md, "Examples") points
// editors at the JSON Schema, passes it, and is accepted by the built CLI's validate-config given
// the environment variables and secret files it references.
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const schemaFile = join(projectRoot, 'config', 'dcm-poll-bridge.schema.json');
const cloudsYaml = join(projectRoot, 'config', 'examples', 'clouds.yaml');
/** Where the examples' `${file:…}` secrets are mounted: the Helm chart's `secrets.mountPath`, then `<Secret>/<key>`. */
const secretsDirectory = '/var/run/secrets/dcm-poll-bridge/';

const shippedConfigs = [
  ...['default.yaml', 'example.yaml'].map((name) => join(projectRoot, 'config', name)),
  ...readdirSync(join(projectRoot, 'config', 'examples'))
    .filter((name) => name.endsWith('.yaml') && name !== 'clouds.yaml') // clouds.yaml is the openstack CLI's format, read by one example
    .sort()
    .map((name) => join(projectRoot, 'config', 'examples', name)),
];

const validateWithJsonSchema = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);

test('every shipped configuration names the JSON Schema by a relative path that resolves to it, and passes it', () => {
  assert.ok(shippedConfigs.length >= 9, `only ${shippedConfigs.length} shipped configurations found`);
  for (const file of shippedConfigs) {
    const text = readFileSync(file, 'utf8');
    const directive = /^# yaml-language-server: \$schema=(\S+)$/.exec(text.split('\n')[0] ?? '');
    assert.ok(directive?.[1], `${relative(projectRoot, file)}: the first line is not a yaml-language-server $schema directive`);
    assert.equal(resolve(dirname(file), directive[1]), schemaFile, `${relative(projectRoot, file)}: $schema does not resolve to the schema file`);
    assert.ok(validateWithJsonSchema(parse(text) ?? {}), `${relative(projectRoot, file)}: ${JSON.stringify(validateWithJsonSchema.errors)}`);
  }
});

test('validate-config accepts every shipped configuration once its ${env:…} and ${file:…} references resolve', async () => {
  const secrets = mkdtempSync(join(tmpdir(), 'example-secrets-'));
  try {
    const results = await Promise.all(
      shippedConfigs.map(async (file) => {
        const shipped = readFileSync(file, 'utf8');
        // The examples mount secrets where the chart does; here they live in a temporary directory instead.
        const copy = join(secrets, `${relative(projectRoot, file).replace(/[/\\]/g, '_')}`);
        writeFileSync(copy, shipped.replaceAll(secretsDirectory, `${secrets}/`));
        for (const [, name] of shipped.matchAll(/\$\{file:\/var\/run\/secrets\/dcm-poll-bridge\/([^}]+)\}/g)) {
          const secretFile = join(secrets, name ?? '');
          mkdirSync(dirname(secretFile), { recursive: true });
          writeFileSync(secretFile, 'example-secret-0123456789\n');
        }
        const env = Object.fromEntries([...shipped.matchAll(/\$\{env:([^}]+)\}/g)].map(([, name]) => [name ?? '', 'example-value-0123456789']));
        const result = await runBridgeCommand(['validate-config', '--config', copy], { env: { ...env, OS_CLIENT_CONFIG_FILE: cloudsYaml } });
        return { file, shipped, result };
      }),
    );
    for (const { file, shipped, result } of results) {
      const name = relative(projectRoot, file);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, /: valid\n/, name);
      const endpointNames = [...shipped.matchAll(/^\s+- (?:# .*\n\s+)*name: ([a-z0-9-]+)/gm)].map(([, endpoint]) => endpoint);
      for (const endpoint of endpointNames) assert.match(result.stdout, new RegExp(`- ${endpoint} \\(`), `${name}: endpoint ${endpoint} not listed`);
      if (name.startsWith('config/examples/')) assert.ok(endpointNames.length > 0, `${name} has no endpoint`);
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
});
