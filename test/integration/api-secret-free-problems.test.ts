import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinAdapters, createAdapterRegistry } from '../../src/registry/index.js';
import { instances, useHarness } from '../support/harness.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { secretRegistrationCases } from '../support/secret-leak-cases.js';
import { apiConfig, fileRegistration, startApi } from './api-support.js';

// Issue #10: the 400 problems of registrations are built by the same validation as the
// configuration file; they name each key path and quote no secret, in the body or in the log.

const harness = useHarness();

test('400 problems of registrations name the key path and quote no secret (POST and PATCH)', async () => {
  harness().setPlatform('patched', { instances: instances(1, 'on', 800) });
  const adapters = createAdapterRegistry([...builtinAdapters(), createFileAdapter({ minimumIntervalSeconds: 1 })]);
  const api = await startApi(harness(), apiConfig(harness()), { adapters });

  for (const bad of secretRegistrationCases) {
    const answer = await api.call('POST', `/api/v1alpha1/endpoints?id=leak-${secretRegistrationCases.indexOf(bad)}`, { body: bad.body });
    assert.equal(answer.status, 400, `${bad.name}: ${answer.text}`);
    const issues = (answer.json()['issues'] ?? []) as Array<{ path: string }>;
    for (const path of bad.paths) assert.ok(issues.some((issue) => issue.path === path), `${bad.name}: ${path} is named in ${answer.text}`);
    for (const secret of bad.secrets) assert.ok(!answer.text.includes(secret), `${bad.name}: ${secret} is not in ${answer.text}`);
  }

  const created = await api.call('POST', '/api/v1alpha1/endpoints?id=patched', { body: fileRegistration(harness(), 'patched') });
  assert.equal(created.status, 201, created.text);
  const patched = await api.call('PATCH', '/api/v1alpha1/endpoints/patched', { body: { url: 'https://owner:s3cret-patch-pw@platform.example' }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 400, patched.text);
  assert.match(patched.text, /"path":"body\.url"/);
  assert.ok(!patched.text.includes('s3cret-patch-pw'), patched.text);

  const secrets = [...secretRegistrationCases.flatMap((bad) => bad.secrets), 's3cret-patch-pw'];
  const logged = api.logLines.join('');
  for (const secret of secrets) assert.ok(!logged.includes(secret), `${secret} is not logged`);
  await api.stop();
});
