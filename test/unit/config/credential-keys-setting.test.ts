import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../src/config/index.js';
import { isBridgeError } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { credentialKeysOf } from '../../../src/secrets/index.js';

const adapters = createAdapterRegistry([]);
const [first, second] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];

test('api.credentialKeys: a YAML list of {id, key} from references, or id:key pairs in the environment; the first seals', () => {
  const fromYaml = loadConfig({ yaml: { text: 'api: { credentialKeys: [{ id: k2, key: "${file:/run/secrets/k2}" }, { id: k1, key: "${env:K1}" }] }\n', origin: 'keys.yaml' }, env: { K1: first }, adapters, readFile: () => `${second}\n` }).config;
  assert.deepEqual(credentialKeysOf(fromYaml.api.credentialKeys).map((key) => [key.id, key.key.toString('base64')]), [['k2', second], ['k1', first]]);
  const fromEnv = loadConfig({ yaml: { text: '', origin: 'empty.yaml' }, env: { DCM_BRIDGE_API_CREDENTIAL_KEYS: `k2:\${env:K2},k1:${first}`, K2: second }, adapters }).config;
  assert.deepEqual(credentialKeysOf(fromEnv.api.credentialKeys).map((key) => key.id), ['k2', 'k1']);
  assert.equal(fromEnv.api.allowPlaintextCredentials, false);
});

test('a bad key list is a CONFIG_INVALID naming api.credentialKeys and the entries, never a key', () => {
  const short = Buffer.alloc(16, 1).toString('base64');
  assert.throws(
    () => loadConfig({ yaml: { text: `api: { credentialKeys: [{ id: k1, key: "${short}" }, { id: k1, key: "${first}" }] }\n`, origin: 'keys.yaml' }, env: {}, adapters }),
    (error: unknown) => {
      assert.ok(isBridgeError(error, 'CONFIG_INVALID'));
      assert.match(error.message, /api\.credentialKeys: entry 0 \(id "k1"\): key must be 32 random bytes in base64.*decodes to 16 bytes; entry 1: id "k1" is also the id of entry 0/);
      assert.ok(!error.message.includes(short) && !error.message.includes(first), error.message);
      return true;
    },
  );
});
