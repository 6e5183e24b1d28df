import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credsAuthenticator } from '@nats-io/transport-node';
import { openStateCache } from '../../src/cache/index.js';
import { spawnNodeScript } from '../support/cli-process.js';
import type { FilePlatformState } from '../support/file-adapter.js';
import { bridgeProcessScript } from '../support/harness.js';
import { createDcmStream, type DcmStream } from '../support/jetstream-consumer.js';
import { createNatsOperator, writeTlsFiles, type NatsOperatorSetup, type TlsFiles } from '../support/secured-servers.js';
import { startNats, startRedis, type TestServer } from '../support/servers.js';

// Issue #10, as an operator meets it: the built CLI against a Redis with TLS (client certificates) and an ACL user,
// and a NATS server with TLS in operator mode (.creds), every secret given as ${file:}.
const redisPassword = 'process-redis-secret-0c3f';
const wrongPassword = 'process-wrong-secret-a9d2';
const namespace = 'dcm-secured';

let dir: string;
let tls: TlsFiles;
let operator: NatsOperatorSetup;
let redis: TestServer;
let nats: TestServer;
let dcm: DcmStream;
const path = (name: string): string => join(dir, name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcm-secured-'));
  tls = writeTlsFiles(dir);
  operator = await createNatsOperator();
  [redis, nats] = await Promise.all([
    // The README's least ACL ("Securing Redis and NATS"), word for word.
    startRedis({ tls: tls.server, aclUsers: [['dcm-bridge', 'on', `>${redisPassword}`, `~${namespace}:*`, `&${namespace}:*`, '+@read', '+@write', '+@transaction', '+@connection', '+@pubsub', '+@scripting', '+info', '+time']] }),
    startNats({ tls: tls.server, operator: operator.server }),
  ]);
  dcm = await createDcmStream(nats.url, { connection: { authenticator: credsAuthenticator(operator.dcmCreds), tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } } });
  writeFileSync(path('redis-password'), `${redisPassword}\n`, { mode: 0o600 });
  writeFileSync(path('wrong-password'), `${wrongPassword}\n`, { mode: 0o600 });
  writeFileSync(path('bridge.creds'), operator.bridgeCreds, { mode: 0o600 });
  writeFileSync(path('stranger.creds'), operator.strangerCreds, { mode: 0o600 });
});
after(async () => {
  await dcm?.close().catch(() => undefined);
  await Promise.all([redis?.dispose(), nats?.dispose()]);
  tls?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const clientTls = (): string => `{ caFile: ${tls.caFile}, certFile: ${tls.clientCertFile}, keyFile: ${tls.clientKeyFile} }`;

function configFile(name: string, files: { readonly passwordFile: string; readonly credsFile: string; readonly extra?: string }): string {
  const file = path(name);
  writeFileSync(
    file,
    `provider: { name: secured-test }
cache:
  url: ${redis.url}
  namespace: ${namespace}
  username: dcm-bridge
  password: \${file:${files.passwordFile}}
  tls: ${clientTls()}
publisher:
  kind: nats
  url: ${nats.url}
  ackTimeoutSeconds: 2
  credsFile: ${files.credsFile}
  tls: ${clientTls()}
scheduler: { jitterRatio: 0 }
api: { listen: "127.0.0.1:0" }
log: { level: info }
${files.extra ?? ''}
endpoints:
  - name: lab
    platform: file
    file: ${path('lab.json')}
    intervalSeconds: 1
    credentials: { token: "\${env:TEST_PLATFORM_TOKEN}" }
`,
  );
  return file;
}

function setPlatform(rawState: string): void {
  const state: FilePlatformState = { instances: [{ platformId: 'vm-1', instanceId: 'inst-1', rawState, name: 'web-1' }] };
  writeFileSync(path('lab.json'), JSON.stringify(state));
}

/** Runs `once` of the built CLI (with the `file` test platform) to its end. */
async function once(config: string): Promise<{ code: number | null; stderr: string; stdout: string; elapsedMs: number }> {
  const startedAt = performance.now();
  const child = spawnNodeScript(bridgeProcessScript, ['once', '--config', config], { env: { TEST_PLATFORM_TOKEN: 'platform-token-secret-value' } });
  try {
    const exit = await child.exited;
    return { code: exit.code, stderr: child.stderr(), stdout: child.stdout(), elapsedMs: performance.now() - startedAt };
  } finally {
    await child.dispose();
  }
}

async function committedStatus(): Promise<string | undefined> {
  const cache = await openStateCache({ url: redis.url, namespace, username: 'dcm-bridge', password: redisPassword, tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } });
  try {
    return (await cache.readInstances('lab', ['vm-1']))[0]?.status;
  } finally {
    await cache.close();
  }
}

test('once with the right credentials publishes through TLS + creds and commits to Redis through TLS + ACL', async () => {
  setPlatform('on');
  const result = await once(configFile('good.yaml', { passwordFile: path('redis-password'), credsFile: path('bridge.creds') }));
  assert.equal(result.code, 0, result.stderr);
  const messages = await dcm.messages();
  assert.deepEqual(messages.map((message) => [message.subject, message.event.data.id, message.event.data.status]), [['dcm.vm', 'inst-1', 'RUNNING']]);
  assert.equal(await committedStatus(), 'RUNNING', 'the acknowledged state was committed');
  assert.ok(!result.stderr.includes(redisPassword) && !result.stdout.includes(redisPassword), 'the Redis password appears in no output');
});

test('a wrong Redis password: once exits 1 at start-up naming cache.url and the refusal, never the password', async () => {
  const result = await once(configFile('wrong-redis.yaml', { passwordFile: path('wrong-password'), credsFile: path('bridge.creds') }));
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^dcm-poll-bridge: cannot start: .*Redis refused the credentials \(check cache\.username and cache\.password\): WRONGPASS/m);
  assert.ok(result.stderr.includes(`(cache.url ${redis.url})`), `names the Redis:\n${result.stderr}`);
  // Refused at once: not after the cache's 5 s connect timeout.
  assert.ok(result.elapsedMs < 5000, `took ${Math.round(result.elapsedMs)} ms`);
  assert.ok(!result.stderr.includes(wrongPassword), 'the wrong password appears in no output');
});

test('NATS creds the server does not accept: the change is not acknowledged, once exits 1 naming the broker, nothing is committed', async () => {
  setPlatform('off');
  const result = await once(configFile('wrong-nats.yaml', { passwordFile: path('redis-password'), credsFile: path('stranger.creds') }));
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.includes(`NATS at ${nats.url} refused the bridge's credentials`), `names the broker:\n${result.stderr}`);
  const seed = /SU[A-Z2-7]{56}/.exec(new TextDecoder().decode(operator.strangerCreds))?.[0] ?? assert.fail('no seed in the creds');
  assert.ok(!result.stderr.includes(seed), 'the nkey seed appears in no output');
  assert.equal(await committedStatus(), 'RUNNING', 'the unacknowledged STOPPED was not committed');
  assert.equal((await dcm.messages()).length, 1, 'DCM received nothing new');
});

test('with cluster.enabled, the least ACL is enough to take the lease and commit under it (Lua scripts)', async () => {
  setPlatform('paused');
  const result = await once(configFile('cluster.yaml', { passwordFile: path('redis-password'), credsFile: path('bridge.creds'), extra: 'cluster: { enabled: true }' }));
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await committedStatus(), 'PAUSED', 'committed through the fenced write');
  assert.doesNotMatch(result.stderr, /NOPERM|LEASE_LOST/);
});
