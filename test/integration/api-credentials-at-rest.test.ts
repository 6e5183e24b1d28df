import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { instances, useHarness } from '../support/harness.js';
import { apiConfig, eventually, fileRegistration, startApi } from './api-support.js';

// Issue #10, "Registration credentials are stored in Redis in clear": they are sealed with
// AES-256-GCM under api.credentialKeys; without a key the API refuses them unless the operator
// allows plaintext. Everything is read back from the real Redis with redis-cli.

const harness = useHarness();
const run = promisify(execFile);

/** The raw value Redis holds for registration `id` of `namespace` (a field of its registrations hash), as an operator would see it. */
async function storedRecord(namespace: string, id: string): Promise<string> {
  const { stdout } = await run('redis-cli', ['-u', harness().redis.url, 'HGET', `${namespace}:v2:registrations`, id]);
  assert.notEqual(stdout.trim(), '', `the registrations hash holds ${id}`);
  return stdout;
}

const newKey = (): string => randomBytes(32).toString('base64');
const keysYaml = (keys: ReadonlyArray<readonly [id: string, key: string]>): string => `credentialKeys: [${keys.map(([id, key]) => `{ id: ${id}, key: "${key}" }`).join(', ')}]`;

test('credentials are sealed in Redis; [new, old] keys load and re-seal them; a missing key is reported by id and the record can still be deleted', async () => {
  harness().setPlatform('sealed', { instances: instances(1, 'on', 700) });
  const namespace = `ns-at-rest-${Math.random().toString(36).slice(2)}`;
  const env = { DCM_BRIDGE_CACHE_NAMESPACE: namespace };
  const [oldKey, freshKey, otherKey] = [newKey(), newKey(), newKey()];
  const secret = 'sealed-token-s3cret-0a9b8c7d';

  // 1. Registered under key "old": Redis holds no plaintext, but the key id beside the sealed credentials.
  const first = await startApi(harness(), apiConfig(harness(), { api: keysYaml([['old', oldKey]]), env }));
  const created = await first.call('POST', '/api/v1alpha1/endpoints?id=sealed', { body: fileRegistration(harness(), 'sealed', { credentials: { token: secret } }) });
  assert.equal(created.status, 201, created.text);
  const sealedRecord = await storedRecord(namespace, 'sealed');
  assert.ok(!sealedRecord.includes(secret), `no plaintext credential in Redis:\n${sealedRecord}`);
  assert.match(sealedRecord, /"sealedCredentials":\{"algorithm":"aes-256-gcm","keyId":"old"/);
  assert.equal(first.bridge.endpoints.get('sealed')?.credentials['token'], secret, 'the bridge itself polls with the real credential');
  await first.stop();

  // 2. Rotation: restarted with [new, old], the registration loads, is polled, and is re-sealed with "new".
  const second = await startApi(harness(), apiConfig(harness(), { api: keysYaml([['new', freshKey], ['old', oldKey]]), env }));
  assert.equal((await second.call('GET', '/api/v1alpha1/endpoints/sealed')).status, 200);
  const restartedAt = Date.now();
  await eventually('a poll of the restored registration', () => (second.bridge.status('sealed')?.lastSuccessAt ?? 0) > restartedAt);
  const resealed = await storedRecord(namespace, 'sealed');
  assert.match(resealed, /"keyId":"new"/, `re-sealed with the new key at start-up:\n${resealed}`);
  assert.ok(!resealed.includes(secret));
  assert.ok(second.logLines.some((line) => line.includes('re-encrypted the credentials of 1 registration(s) with key \\"new\\"')), second.logLines.join(''));
  await second.stop();

  // 3. The old key retired: the re-sealed record still loads with [new] alone.
  const third = await startApi(harness(), apiConfig(harness(), { api: keysYaml([['new', freshKey]]), env }));
  assert.equal((await third.call('GET', '/api/v1alpha1/endpoints/sealed')).status, 200);
  await third.stop();

  // 4. Its key gone: not loaded, reported with the endpoint and the key id; still deletable.
  const fourth = await startApi(harness(), apiConfig(harness(), { api: keysYaml([['other', otherKey]]), env }));
  assert.equal((await fourth.call('GET', '/api/v1alpha1/endpoints/sealed')).status, 404);
  const report = fourth.logLines.map((line) => JSON.parse(line) as { level: string; endpoint?: string; keyId?: string; msg: string }).find((line) => line.endpoint === 'sealed' && line.level === 'error');
  assert.ok(report, `an error names the registration:\n${fourth.logLines.join('')}`);
  assert.equal(report.keyId, 'new');
  assert.match(report.msg, /registration sealed is not polled: .*key "new", which api\.credentialKeys does not list \(it has "other"\)/);
  assert.ok(!fourth.logLines.join('').includes(secret));
  const patched = await fourth.call('PATCH', '/api/v1alpha1/endpoints/sealed', { body: { interval_seconds: 2 } });
  assert.equal(patched.status, 404, 'not in the registry, so not patchable either');
  assert.equal((await fourth.call('DELETE', '/api/v1alpha1/endpoints/sealed')).status, 204, 'an unreadable registration can be removed');
  const { stdout: left } = await run('redis-cli', ['-u', harness().redis.url, 'HEXISTS', `${namespace}:v2:registrations`, 'sealed']);
  assert.equal(left.trim(), '0', 'and is gone from Redis');
  await fourth.stop();
});

test('without a key the API refuses credentials, saying why and how to configure one; allowPlaintextCredentials stores them as given, warned at start-up', async () => {
  const refusing = await startApi(harness(), apiConfig(harness(), { api: 'allowPlaintextCredentials: false' }));
  const refused = await refusing.call('POST', '/api/v1alpha1/endpoints?id=clear', { body: fileRegistration(harness(), 'clear') });
  assert.equal(refused.status, 400, refused.text);
  const problem = refused.json() as { type: string; issues: Array<{ path: string; message: string }> };
  assert.equal(problem.type, 'https://dcm-project.github.io/problems/invalid-argument');
  const issue = problem.issues.find((candidate) => candidate.path === 'body.credentials');
  assert.ok(issue, refused.text);
  assert.match(issue.message, /no encryption key is configured.*api\.credentialKeys.*openssl rand -base64 32.*api\.allowPlaintextCredentials: true/);
  assert.equal((await refusing.call('GET', '/api/v1alpha1/endpoints/clear')).status, 404, 'nothing was stored');
  await refusing.stop();

  const namespace = `ns-plain-${Math.random().toString(36).slice(2)}`;
  const plain = await startApi(harness(), apiConfig(harness(), { api: 'allowPlaintextCredentials: true', env: { DCM_BRIDGE_CACHE_NAMESPACE: namespace } }));
  assert.ok(plain.logLines.some((line) => line.includes('"level":"warn"') && line.includes('stored in Redis unencrypted')), plain.logLines.join(''));
  const stored = await plain.call('POST', '/api/v1alpha1/endpoints?id=clear', { body: fileRegistration(harness(), 'clear') });
  assert.equal(stored.status, 201, stored.text);
  assert.ok((await storedRecord(namespace, 'clear')).includes('clear-credential-secret'), 'stored as given, as the operator chose');
  await plain.stop();

  // Configuring a key later seals what was stored in clear at the next start.
  const keyed = await startApi(harness(), apiConfig(harness(), { api: keysYaml([['k1', newKey()]]), env: { DCM_BRIDGE_CACHE_NAMESPACE: namespace } }));
  const migrated = await storedRecord(namespace, 'clear');
  assert.ok(!migrated.includes('clear-credential-secret'), migrated);
  assert.match(migrated, /"keyId":"k1"/);
  await keyed.stop();
});
