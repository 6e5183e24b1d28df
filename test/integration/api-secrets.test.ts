import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, readToken, startApi, writeToken } from './api-support.js';

const harness = useHarness();

test('no credential or token appears in any API response, log line or metric', async () => {
  const secrets = {
    registered: 'first-registered-credential-S3cr3t',
    rotated: 'rotated-credential-R0tat3d',
    refused: 'refused-body-credential-N0pe',
    broken: 'broken-json-credential-Br0ken',
    yaml: 'platform-token-secret-value',
    writeToken,
    readToken,
  };
  harness().setPlatform('lab', { instances: instances(2, 'on', 500) });
  harness().setPlatform('guarded', { instances: instances(2, 'on', 600) });
  const api = await startApi(harness(), apiConfig(harness(), { api: `readToken: ${readToken}` }));
  const bodies: string[] = [];
  const call = async (...args: Parameters<typeof api.call>) => {
    const response = await api.call(...args);
    bodies.push(`${args[0]} ${args[1]} → ${response.status}: ${response.text}`);
    return response;
  };

  const created = await call('POST', '/api/v1alpha1/endpoints?id=guarded', { body: fileRegistration(harness(), 'guarded', { credentials: { token: secrets.registered } }) });
  assert.equal(created.status, 201, created.text);
  await eventually('guarded polled', () => api.bridge.status('guarded')?.lastSuccessAt);
  const patched = await call('PATCH', '/api/v1alpha1/endpoints/guarded', { body: { credentials: { token: secrets.rotated } }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(api.bridge.endpoints.get('guarded')?.credentials['token'], secrets.rotated, 'the rotated credential is in use');

  // Refusals whose bodies carry a credential must not echo it.
  await call('POST', '/api/v1alpha1/endpoints?id=refused', { body: fileRegistration(harness(), 'refused', { credentials: { token: secrets.refused }, url: 'http://169.254.169.254/', colour: 'red' }) });
  await call('POST', '/api/v1alpha1/endpoints?id=refused', { body: fileRegistration(harness(), 'refused', { credentials: { token: secrets.refused, password: secrets.refused } }) });
  await call('POST', '/api/v1alpha1/endpoints?id=refused', { raw: `{"platform":"file","credentials":{"token":"${secrets.broken}"` });
  await call('PATCH', '/api/v1alpha1/endpoints/guarded', { body: { credentials: { token: 7, spare: secrets.refused } }, contentType: 'application/merge-patch+json' });
  await call('GET', '/api/v1alpha1/endpoints', { token: 'wrong-but-long-enough-token-value' });

  for (const path of ['/api/v1alpha1/endpoints', '/api/v1alpha1/endpoints/guarded', '/api/v1alpha1/endpoints/lab', '/api/v1alpha1/endpoints/guarded/status', '/api/v1alpha1/vms', '/api/v1alpha1/vms/inst-600', '/health', '/readyz', '/api/v1alpha1/openapi.json']) {
    const response = await call('GET', path, { token: readToken });
    assert.ok(response.status < 500, `${path}: ${response.status}`);
  }
  const metrics = await call('GET', '/metrics', { token: readToken });
  assert.equal(metrics.status, 200);
  await api.stop();

  const everything = { 'API responses': bodies.join('\n'), 'log lines': api.logLines.join(''), metrics: metrics.text };
  for (const [where, text] of Object.entries(everything)) {
    for (const [name, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `the ${name} secret appears in the ${where}`);
  }
  assert.ok(api.logLines.some((line) => line.includes('API request refused')), 'refusals were logged (and scanned)');
  assert.ok(bodies.some((body) => body.includes('"credential_keys":["token"]')), 'responses say which credentials are set');
});
