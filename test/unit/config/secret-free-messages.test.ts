import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { isBridgeError } from '../../../src/errors/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../../src/registry/index.js';
import { secretConfigCases } from '../../support/secret-leak-cases.js';

const adapters = createAdapterRegistry(builtinAdapters());

// The same table runs through the built CLI in test/process/validate-config-hides-secrets.test.ts.
for (const bad of secretConfigCases) {
  test(`no secret in the validation error: ${bad.name}`, () => {
    let caught: unknown;
    try {
      loadConfig({ yaml: { text: bad.yaml, origin: 'secrets.yaml' }, env: { ...bad.env }, adapters });
    } catch (error) {
      caught = error;
    }
    assert.ok(isBridgeError(caught, 'CONFIG_INVALID'), `a CONFIG_INVALID error; got ${String(caught)}`);
    const written = caught.message + JSON.stringify(caught.context);
    for (const secret of bad.secrets) assert.ok(!written.includes(secret), `${secret} is not quoted:\n${caught.message}`);
    for (const path of bad.paths) assert.ok(caught.context.issues?.some((issue) => issue.path === path), `${path} is named:\n${caught.message}`);
  });
}
