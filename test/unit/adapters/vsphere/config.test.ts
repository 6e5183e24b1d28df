import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEndpoint } from '../../../../src/config/index.js';
import { createNormalizer } from '../../../../src/normalize/index.js';
import { createAdapterRegistry } from '../../../../src/registry/index.js';
import { createVsphereAdapter, vsphereStateTable } from '../../../../adapters/vsphere/index.js';
import { memoryLogger } from '../../../support/harness.js';

const adapters = createAdapterRegistry([createVsphereAdapter()]);
const validate = (input: Record<string, unknown>) => validateEndpoint(input, adapters, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config', checkFiles: false });
const valid = { name: 'vc-1', platform: 'vsphere', url: 'https://vcenter.example', credentials: { username: 'svc-dcm@vsphere.local', password: 'S3cret-Value' } };

test('a minimal endpoint: apiFlavor defaults to auto, interval to the default', () => {
  const { endpoint, issues } = validate(valid);
  assert.deepEqual(issues, []);
  assert.equal(endpoint?.options['apiFlavor'], 'auto');
  assert.equal(endpoint?.intervalSeconds, 30);
});

test('every problem is named by key path; the password is never echoed', () => {
  const { issues } = validate({ name: 'vc-1', platform: 'vsphere', intervalSeconds: 5, apiFlavor: 'soap', region: 'x', credentials: { password: 'S3cret-Value', token: 'abc' } });
  const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
  assert.match(byPath['endpoints[0].url'] ?? '', /required|URL/);
  assert.match(byPath['endpoints[0].apiFlavor'] ?? '', /must be one of auto, api, rest, vim; got "soap"/);
  assert.ok(byPath['endpoints[0].region'], 'unknown platform keys are rejected');
  assert.match(byPath['endpoints[0].credentials.username'] ?? '', /is required/);
  assert.ok(byPath['endpoints[0].credentials.token'], 'unknown credential keys are rejected');
  assert.match(byPath['endpoints[0].intervalSeconds'] ?? '', /below the vsphere adapter's floor of 10 seconds/);
  assert.doesNotMatch(JSON.stringify(issues), /S3cret-Value/);
});

test('a URL with a query string is refused', () => {
  const { issues } = validate({ ...valid, url: 'https://vcenter.example/?x=1' });
  assert.deepEqual(issues, [{ path: 'endpoints[0].url', message: 'must be the vCenter base URL without a query string (https://vcenter.example)' }]);
});

test('state table: the three power states, unset → PROVISIONING, anything else → FAILED', () => {
  const normalize = createNormalizer({ table: vsphereStateTable, logger: memoryLogger().logger });
  const status = (rawState: string | undefined) => normalize({ platformId: 'vm-1', instanceId: 'i-1', rawState, name: 'web-1' });
  assert.deepEqual(status('POWERED_ON'), { status: 'RUNNING', message: 'VM web-1 is running (vsphere: powered on)' });
  assert.equal(status('POWERED_OFF').status, 'STOPPED');
  assert.equal(status('SUSPENDED').status, 'PAUSED');
  assert.equal(status(undefined).status, 'PROVISIONING');
  assert.equal(status('POWERING_ON').status, 'FAILED');
});
