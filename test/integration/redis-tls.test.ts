import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateCache, type StateCacheOptions } from '../../src/cache/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { writeTlsFiles, type TlsFiles } from '../support/secured-servers.js';
import { startRedis, type TestServer } from '../support/servers.js';

// Issue #10: rediss:// with cache.tls. Debian's redis-server is built with TLS (--tls-port), so this runs on a real one
// that also verifies client certificates (tls-auth-clients yes) and requires a password.
const password = 'tls-redis-secret-51aa';
let dir: string;
let tls: TlsFiles;
let redis: TestServer;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcm-redis-tls-'));
  tls = writeTlsFiles(dir);
  redis = await startRedis({ requirePass: password, tls: tls.server });
});
after(async () => {
  await redis.dispose();
  tls.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const options = (overrides: Partial<StateCacheOptions> = {}): StateCacheOptions => ({
  url: redis.url,
  namespace: 'dcm-tls',
  password,
  tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile },
  ...overrides,
});

async function openFailure(cacheOptions: StateCacheOptions): Promise<BridgeError> {
  const startedAt = performance.now();
  try {
    const cache = await openStateCache(cacheOptions);
    await cache.close();
  } catch (error) {
    assert.ok(error instanceof BridgeError, `a BridgeError, not ${String(error)}`);
    assert.equal(error.code, ErrorCode.CacheFailed);
    // A certificate problem is not cured by retrying: the open fails at once, not after the 5 s connect timeout.
    const elapsedMs = performance.now() - startedAt;
    assert.ok(elapsedMs < 2000, `failed after ${Math.round(elapsedMs)} ms`);
    return error;
  }
  assert.fail('the cache opened');
}

test('the test Redis speaks TLS only', () => {
  assert.match(redis.url, /^rediss:\/\/127\.0\.0\.1:\d+$/);
});

test('rediss:// with the CA, a client certificate and the password: the cache works', async () => {
  const cache = await openStateCache(options());
  try {
    await cache.writePollStart('lab', 42);
    assert.equal(await cache.readPollStart('lab'), 42);
  } finally {
    await cache.close();
  }
});

test('a server certificate the configured CA did not sign is refused, naming cache.tls', async () => {
  const error = await openFailure(options({ tls: { caFile: tls.strangerCaFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } }));
  assert.match(error.message, /TLS handshake with Redis failed \(check cache\.tls\): .*certificate/i);
});

test('without a caFile the system CAs are trusted, and they do not know the test CA', async () => {
  const error = await openFailure(options({ tls: { certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } }));
  assert.match(error.message, /check cache\.tls/);
});

test('insecureSkipVerify accepts an unknown server certificate (still encrypted, still authenticated by password)', async () => {
  const cache = await openStateCache(options({ tls: { certFile: tls.clientCertFile, keyFile: tls.clientKeyFile, insecureSkipVerify: true } }));
  await cache.close();
});

test('without a client certificate a Redis that verifies clients refuses the connection', async () => {
  const error = await openFailure(options({ tls: { caFile: tls.caFile } }));
  assert.match(error.message, /check cache\.tls\): tlsv13 alert certificate required/);
});

test('an unreadable cache.tls file fails the open, naming the key and the path', async () => {
  const missing = join(dir, 'missing-ca.pem');
  const error = await openFailure(options({ tls: { caFile: missing } }));
  assert.match(error.message, new RegExp(`cannot read cache\\.tls\\.caFile ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
});
