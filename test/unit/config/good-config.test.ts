import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

const adapters = createAdapterRegistry([createFileAdapter()]);

test('defaults apply, references resolve and the result is frozen', () => {
  const yaml = `
provider: { name: lab-bridge }
endpoints:
  - name: lab
    platform: file
    file: /tmp/state.json
    credentials: { token: "\${env:LAB_TOKEN}" }
    stateOverrides: { limbo: STOPPED }
`;
  const { config, warnings } = loadConfig({ yaml: { text: yaml, origin: 't.yaml' }, env: { LAB_TOKEN: 's3cret' }, adapters });
  assert.equal(config.provider.name, 'lab-bridge');
  assert.equal(config.publisher.kind, 'nats');
  assert.equal(config.diff.deleteAfterMissedLists, 2);
  const [endpoint] = config.endpoints;
  assert.ok(endpoint);
  assert.equal(endpoint.intervalSeconds, 30, 'default interval');
  assert.equal(endpoint.credentials['token'], 's3cret');
  assert.deepEqual(endpoint.selector, { managedByKey: 'managed-by', managedByValue: 'dcm', instanceIdKey: 'dcm-instance-id' });
  assert.deepEqual(endpoint.stateOverrides, { limbo: 'STOPPED' });
  assert.equal(endpoint.tls.insecureSkipVerify, false, 'TLS verification on unless turned off');
  assert.deepEqual(warnings, [], 'a referenced secret draws no warning');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(endpoint) && Object.isFrozen(endpoint.selector));
});

test('an inline secret is accepted with a warning naming its key', () => {
  const yaml = 'endpoints:\n  - name: lab\n    platform: file\n    file: /tmp/x.json\n    credentials: { token: inline-value }\n';
  const { warnings } = loadConfig({ yaml: { text: yaml, origin: 't.yaml' }, env: {}, adapters });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /endpoints\[0\]\.credentials\.token/);
  assert.doesNotMatch(warnings[0] ?? '', /inline-value/);
});

test('names written inline draw no warning; only passwords, secrets and tokens do', () => {
  const yaml = 'publisher:\n  user: bridge\n  password: inline-password\n';
  const { warnings } = loadConfig({ yaml: { text: yaml, origin: 't.yaml' }, env: {}, adapters });
  assert.deepEqual(warnings.map((warning) => warning.split(' ')[0]), ['publisher.password']);
});

test('every key is settable from the environment, endpoints included', () => {
  const env = {
    DCM_BRIDGE_PROVIDER_NAME: 'from-env',
    DCM_BRIDGE_PUBLISHER_JETSTREAM: 'false',
    DCM_BRIDGE_SCHEDULER_MAX_CONCURRENT_POLLS: '3',
    DCM_BRIDGE_CACHE_URL: '${env:REDIS_URL}',
    REDIS_URL: 'redis://10.0.0.1:6380',
    DCM_BRIDGE_ENDPOINTS: '[{"name":"env-lab","platform":"file","file":"/tmp/x.json"}]',
  };
  const { config } = loadConfig({ yaml: { text: 'provider: { name: from-file }\n', origin: 't.yaml' }, env, adapters });
  assert.equal(config.provider.name, 'from-env', 'environment wins over the file');
  assert.equal(config.publisher.jetstream, false);
  assert.equal(config.scheduler.maxConcurrentPolls, 3);
  assert.equal(config.cache.url, 'redis://10.0.0.1:6380', 'an environment value may itself be a reference');
  assert.deepEqual(config.endpoints.map((endpoint) => endpoint.name), ['env-lab']);
});

test('${file:PATH} reads the file and drops one trailing newline', () => {
  const yaml = 'publisher:\n  token: ${file:/run/secrets/nats}\n';
  const { config } = loadConfig({ yaml: { text: yaml, origin: 't.yaml' }, env: {}, adapters, readFile: (path) => (path === '/run/secrets/nats' ? 'tok-en\n' : '') });
  assert.equal(config.publisher.token, 'tok-en');
});

test('the shipped default configuration is valid', () => {
  const defaults = loadConfig({ yaml: { text: readFileSync('config/default.yaml', 'utf8'), origin: 'config/default.yaml' }, env: {}, adapters });
  assert.equal(defaults.config.endpoints.length, 0);
  assert.equal(defaults.config.cache.url, 'redis://127.0.0.1:6379');
});
