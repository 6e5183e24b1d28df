import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEndpoint } from '../../../src/config/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../../src/registry/index.js';

const cloudEndpoint = { name: 'os-lab', platform: 'openstack', cloud: 'lab' };

function issuesWith(adapters: ReturnType<typeof builtinAdapters>): string[] {
  const { issues } = validateEndpoint(cloudEndpoint, createAdapterRegistry(adapters), { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config' });
  return issues.map((issue) => `${issue.path}: ${issue.message}`);
}

test('the OpenStack adapter finds clouds.yaml through the host it is handed, not through the process', (context) => {
  const dir = mkdtempSync(join(tmpdir(), 'adapter-host-'));
  context.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'clouds.yaml');
  writeFileSync(file, 'clouds:\n  lab:\n    auth:\n      auth_url: https://keystone.example/v3\n      application_credential_id: id\n      application_credential_secret: Very-Secret-Value\n    auth_type: v3applicationcredential\n');
  // The process's own environment never names this file, so only the handed-in host can lead to it.
  assert.equal(process.env['OS_CLIENT_CONFIG_FILE'], undefined);
  assert.deepEqual(issuesWith(builtinAdapters({ env: { OS_CLIENT_CONFIG_FILE: file }, cwd: dir, homeDir: dir })), []);
});

test('without a host the adapters read nothing of the machine, and say so', () => {
  const [issue, ...rest] = issuesWith(builtinAdapters());
  assert.deepEqual(rest, []);
  assert.match(issue ?? '', /^endpoints\[0\]\.cloud: no clouds\.yaml found for cloud "lab"; searched \(no host: working directory\)\/clouds\.yaml/);
});
