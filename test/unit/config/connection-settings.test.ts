import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';

// Issue #10: the keys that let the bridge authenticate to Redis and NATS, and the mistakes they are checked for.
const adapters = createAdapterRegistry([createFileAdapter()]);
const dir = mkdtempSync(join(tmpdir(), 'dcm-connection-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content = 'x'): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const secret = 'connection-secret-6e13';

function issuesOf(yaml: string, env: Record<string, string> = {}): { message: string; issues: ReadonlyArray<{ path: string; message: string }> } {
  try {
    loadConfig({ yaml: { text: yaml, origin: 'test.yaml' }, env, adapters });
  } catch (error) {
    assert.ok(error instanceof BridgeError && error.code === ErrorCode.ConfigInvalid, String(error));
    return { message: error.message, issues: error.context.issues ?? [] };
  }
  assert.fail('the configuration was accepted');
}

function assertIssue(yaml: string, path: string, fragment: string | RegExp): void {
  const { issues } = issuesOf(yaml);
  const issue = issues.find((candidate) => candidate.path === path);
  assert.ok(issue, `an issue names ${path}; got ${JSON.stringify(issues)}`);
  if (typeof fragment === 'string') assert.ok(issue.message.includes(fragment), `"${issue.message}" says "${fragment}"`);
  else assert.match(issue.message, fragment);
}

test('every new key has a default that changes nothing: no credentials, TLS verified', () => {
  const { config } = loadConfig({ env: {}, adapters });
  assert.deepEqual(
    { username: config.cache.username, password: config.cache.password, tls: config.cache.tls },
    { username: null, password: null, tls: { caFile: null, certFile: null, keyFile: null, insecureSkipVerify: false } },
  );
  assert.deepEqual({ credsFile: config.publisher.credsFile, nkeySeedFile: config.publisher.nkeySeedFile, tls: config.publisher.tls }, { credsFile: null, nkeySeedFile: null, tls: { caFile: null, certFile: null, keyFile: null } });
});

test('Redis and NATS credentials load from ${file:} and the environment, with TLS files', () => {
  const passwordFile = file('redis-password', `${secret}\n`);
  const [ca, cert, key, creds] = [file('ca.pem'), file('client.pem'), file('client.key'), file('bridge.creds')];
  const yaml = `
cache:
  url: rediss://redis.example:6380
  username: dcm-bridge
  password: \${file:${passwordFile}}
  tls: { caFile: ${ca}, certFile: ${cert}, keyFile: ${key} }
publisher:
  url: tls://nats.example:4222
  credsFile: ${creds}
  tls: { caFile: ${ca} }
`;
  const { config, warnings } = loadConfig({ yaml: { text: yaml, origin: 'test.yaml' }, env: { DCM_BRIDGE_PUBLISHER_TLS_CERT_FILE: cert, DCM_BRIDGE_PUBLISHER_TLS_KEY_FILE: key }, adapters });
  assert.equal(config.cache.password, secret, 'the file\'s trailing newline is dropped');
  assert.deepEqual(config.cache.tls, { caFile: ca, certFile: cert, keyFile: key, insecureSkipVerify: false });
  assert.deepEqual(config.publisher.tls, { caFile: ca, certFile: cert, keyFile: key }, 'set through DCM_BRIDGE_PUBLISHER_TLS_*');
  assert.equal(config.publisher.credsFile, creds);
  assert.deepEqual(warnings, []);
});

test('an inline cache.password is accepted with a warning that does not repeat it', () => {
  const { warnings } = loadConfig({ yaml: { text: `cache: { password: ${secret} }`, origin: 'test.yaml' }, env: {}, adapters });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /cache\.password holds a secret written inline/);
  assert.ok(!warnings[0]?.includes(secret));
});

test('credentials in cache.url or publisher.url are refused, pointing at the keys that carry them, never echoing them', () => {
  for (const [path, yaml, keys] of [
    ['cache.url', `cache: { url: "redis://dcm:${secret}@redis.example:6379" }`, 'cache.username and cache.password'],
    ['cache.url', `cache: { url: "rediss://:${secret}@redis.example:6379" }`, 'cache.username and cache.password'],
    ['publisher.url', `publisher: { url: "nats://a:4222,nats://dcm:${secret}@b:4222" }`, 'publisher.credsFile'],
  ] as const) {
    const { message, issues } = issuesOf(yaml);
    assert.ok(issues.find((issue) => issue.path === path)?.message.includes(keys), `${path} names ${keys}: ${JSON.stringify(issues)}`);
    assert.ok(!message.includes(secret), `the message never carries the password: ${message}`);
  }
});

test('cache.username without cache.password is refused', () => {
  assertIssue('cache: { username: dcm-bridge }', 'cache.password', 'is required when cache.username is set');
});

test('cache.tls with a plain redis:// url is refused: TLS needs rediss://', () => {
  assertIssue(`cache: { url: "redis://redis.example:6379", tls: { caFile: ${file('ca2.pem')} } }`, 'cache.tls', 'caFile applies to a rediss:// cache.url only');
  assertIssue('cache: { url: "redis://redis.example:6379", tls: { insecureSkipVerify: true } }', 'cache.tls', 'insecureSkipVerify applies');
});

test('a client certificate without its key (or a key alone) is refused', () => {
  assertIssue(`cache: { url: "rediss://r:6380", tls: { certFile: ${file('c.pem')} } }`, 'cache.tls.keyFile', 'is required with cache.tls.certFile');
  assertIssue(`publisher: { tls: { keyFile: ${file('k.pem')} } }`, 'publisher.tls.certFile', 'is required with publisher.tls.keyFile');
});

test('files the settings name must be readable, each named with its key', () => {
  const missing = join(dir, 'missing.pem');
  for (const [path, yaml] of [
    ['cache.tls.caFile', `cache: { url: "rediss://r:6380", tls: { caFile: ${missing} } }`],
    ['publisher.tls.caFile', `publisher: { tls: { caFile: ${missing} } }`],
    ['publisher.credsFile', `publisher: { credsFile: ${missing} }`],
    ['publisher.nkeySeedFile', `publisher: { nkeySeedFile: ${missing} }`],
  ] as const) {
    assertIssue(yaml, path, `file ${missing} cannot be read (ENOENT)`);
  }
});

test('NATS takes one way to authenticate', () => {
  assertIssue(`publisher: { user: bridge, password: ${secret}, credsFile: ${file('x.creds')} }`, 'publisher', 'not user and credsFile');
  assertIssue(`publisher: { token: ${secret}, nkeySeedFile: ${file('x.nk')} }`, 'publisher', 'not token and nkeySeedFile');
  assertIssue(`publisher: { password: ${secret} }`, 'publisher.user', 'is required when publisher.password is set');
});
