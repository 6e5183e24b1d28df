import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { BridgeError } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';

const adapters = createAdapterRegistry([]);
const load = (yaml: string, env: Record<string, string> = {}) => loadConfig({ yaml: { text: yaml, origin: 'test' }, env, adapters });

function issuesOf(yaml: string, env: Record<string, string> = {}): Array<{ path: string; message: string }> {
  try {
    load(yaml, env);
  } catch (error) {
    assert.ok(error instanceof BridgeError);
    return [...(error.context.issues ?? [])];
  }
  assert.fail('the configuration was accepted');
}

test('API, health and DCM settings have documented defaults', () => {
  const { config } = load('');
  assert.deepEqual(config.api, { listen: '0.0.0.0:8080', publicBaseUrl: '', writeToken: null, readToken: null, maxBodyBytes: 65536, allowedTargets: [], allowPrivateTargets: false, credentialKeys: [], allowPlaintextCredentials: false });
  assert.deepEqual(config.health, { subject: 'dcm.bridge.health' });
  assert.deepEqual(config.dcm, { registrationUrl: '', displayName: '', regionCode: '', zone: '', registrationIntervalSeconds: 60 });
});

test('settable from the environment, lists comma-separated, tokens through references', () => {
  const { config } = load('api: { writeToken: "${env:WRITE}" }', { WRITE: 'a-long-enough-write-token', DCM_BRIDGE_API_ALLOWED_TARGETS: '10.0.0.0/8, *.corp.example', DCM_BRIDGE_API_LISTEN: '127.0.0.1:0', DCM_BRIDGE_HEALTH_SUBJECT: 'ops.bridge.health' });
  assert.deepEqual(config.api.allowedTargets, ['10.0.0.0/8', '*.corp.example']);
  assert.equal(config.api.listen, '127.0.0.1:0');
  assert.equal(config.api.writeToken, 'a-long-enough-write-token');
  assert.equal(config.health.subject, 'ops.bridge.health');
});

test('bad API settings are reported by key path, never echoing a token', () => {
  const issues = issuesOf(`
api: { listen: "8080", writeToken: short-secret, allowedTargets: ["10.0.0.0/40", 7], maxBodyBytes: 10 }
health: { subject: dcm.health }
dcm: { registrationUrl: "ftp://dcm.example" }
`);
  const paths = issues.map((issue) => issue.path).sort();
  assert.deepEqual(paths, ['api.allowedTargets', 'api.listen', 'api.maxBodyBytes', 'api.writeToken', 'dcm.registrationUrl', 'health.subject']);
  assert.ok(!JSON.stringify(issues).includes('short-secret'), JSON.stringify(issues));
  assert.match(issues.find((issue) => issue.path === 'health.subject')?.message ?? '', /falls inside dcm\.\*/);
  assert.match(issues.find((issue) => issue.path === 'api.allowedTargets')?.message ?? '', /10\.0\.0\.0\/40/);
});

test('a health subject with wildcards is refused; one deeper under dcm. is fine', () => {
  assert.equal(issuesOf('health: { subject: "dcm.bridge.>" }')[0]?.path, 'health.subject');
  assert.equal(load('health: { subject: dcm.bridge.health.v1 }').config.health.subject, 'dcm.bridge.health.v1');
});

test('registering with DCM needs the public base URL', () => {
  assert.deepEqual(issuesOf('dcm: { registrationUrl: "http://spm:8080/api/v1alpha1" }'), [{ path: 'api.publicBaseUrl', message: 'is required when dcm.registrationUrl is set (DCM must know where to reach the bridge)' }]);
  assert.equal(load('dcm: { registrationUrl: "http://spm:8080/api/v1alpha1" }\napi: { publicBaseUrl: "http://bridge:8080" }').config.dcm.registrationUrl, 'http://spm:8080/api/v1alpha1');
});
