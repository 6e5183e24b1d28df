import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBridgeCommand } from '../support/cli-process.js';

// README "Running it": `node dist/src/cli.js validate-config --config config/example.yaml`. The shipped
// example (every key, commented) must stay a configuration the built CLI accepts, given the variables it references.
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const example = join(projectRoot, 'config', 'example.yaml');

test('validate-config accepts config/example.yaml once its ${env:…} references are set, and names each one that is not', async () => {
  const valid = await runBridgeCommand(['validate-config', '--config', example], { env: { VSPHERE_USERNAME: 'svc-dcm@vsphere.local', VSPHERE_PASSWORD: 'example-password' } });
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /config\/example\.yaml: valid/);
  assert.match(valid.stdout, /vc-lab \(vsphere, every 30 s\)/);
  assert.match(valid.stdout, /vc-prod \(vsphere, every 60 s\)/);

  const unset = await runBridgeCommand(['validate-config', '--config', example]);
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /endpoints\[0\]\.credentials\.username: environment variable VSPHERE_USERNAME is not set/);
});
