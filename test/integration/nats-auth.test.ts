import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import { buildStatusEvent, createNatsPublisher, type NatsPublisherOptions, type PublishOutcome } from '../../src/publisher/index.js';
import { memoryLogger } from '../support/harness.js';
import { createDcmStream, type DcmStream } from '../support/jetstream-consumer.js';
import { createNatsOperator, createNkeyUser, writeTlsFiles, type NatsOperatorSetup, type TlsFiles } from '../support/secured-servers.js';
import { startNats, type TestServer } from '../support/servers.js';

// Issue #10: NATS as operators secure it: a user and password, nkeys, operator-mode .creds files, and TLS with client certificates.
const password = 'nats-user-secret-2be0';
const wrongPassword = 'nats-wrong-secret-c41d';

let dir: string;
let tls: TlsFiles;
let operator: NatsOperatorSetup;
const bridgeNkey = createNkeyUser();
const dcmNkey = createNkeyUser();
const strangerNkey = createNkeyUser();
const servers: Record<'user' | 'nkey' | 'operator' | 'tls', TestServer> = {} as never;
const streams: DcmStream[] = [];
/** DCM's side of each server, made in `before`. */
const dcm: Partial<Record<keyof typeof servers, DcmStream>> = {};
const file = (name: string, content: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dcm-nats-auth-'));
  tls = writeTlsFiles(dir);
  operator = await createNatsOperator();
  [servers.user, servers.nkey, servers.operator, servers.tls] = await Promise.all([
    startNats({ user: { name: 'dcm-bridge', password } }),
    startNats({ nkeyUsers: [bridgeNkey.publicKey, dcmNkey.publicKey] }),
    startNats({ operator: operator.server }),
    startNats({ tls: tls.server }),
  ]);
  dcm.user = await createDcmStream(servers.user.url, { connection: { user: 'dcm-bridge', pass: password } });
  dcm.nkey = await createDcmStream(servers.nkey.url, { connection: { authenticator: nkeyAuthenticator(new TextEncoder().encode(dcmNkey.seed)) } });
  dcm.operator = await createDcmStream(servers.operator.url, { connection: { authenticator: credsAuthenticator(operator.dcmCreds) } });
  dcm.tls = await createDcmStream(servers.tls.url, { connection: { tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } } });
  streams.push(...Object.values(dcm));
});
after(async () => {
  await Promise.all(streams.map((stream) => stream.close().catch(() => undefined)));
  await Promise.all(Object.values(servers).map((server) => server.dispose()));
  tls.dispose();
  rmSync(dir, { recursive: true, force: true });
});

let sequence = 0;
/** Publishes one new event with a fresh publisher and closes it; returns the outcome, the event id and the publisher's log lines. */
async function publishOnce(server: TestServer, options: Partial<NatsPublisherOptions>): Promise<{ outcome: PublishOutcome; id: string; logs: string }> {
  const event = buildStatusEvent({ providerName: 'p', endpoint: 'lab', platform: 'file', serviceType: 'vm', platformId: 'vm-1', instanceId: 'inst-1', status: 'RUNNING', previousStatus: undefined, message: 'm', observedAt: 0, sequence: ++sequence, epoch: 'auth-test' });
  const { logger, lines } = memoryLogger('debug');
  const publisher = createNatsPublisher({ url: server.url, jetstream: true, createStream: false, streamName: 'dcm-status', maxInFlight: 8, ackTimeoutMs: 1500, retryDelayMs: 200, connectionName: 'auth-test', logger, ...options });
  try {
    const [outcome] = await publisher.publish([event]);
    assert.ok(outcome);
    return { outcome, id: event.id, logs: lines.join('') };
  } finally {
    await publisher.close();
  }
}

async function assertDelivered(server: keyof typeof servers, options: Partial<NatsPublisherOptions>): Promise<void> {
  const { outcome, id } = await publishOnce(servers[server], options);
  assert.ok(outcome.ok, `acknowledged: ${outcome.ok ? '' : outcome.error.message}`);
  const received = await dcm[server]!.messages();
  assert.ok(received.some((message) => message.headers['Nats-Msg-Id'] === id), 'DCM\'s stream holds the event');
}

/** A refused publish names the broker and says the credentials were refused; `secrets` appear nowhere. */
async function assertRefused(server: keyof typeof servers, options: Partial<NatsPublisherOptions>, secrets: readonly string[], reason = /refused the bridge's credentials \(Authorization Violation/): Promise<void> {
  const { outcome, logs } = await publishOnce(servers[server], options);
  assert.ok(!outcome.ok, 'the publish failed');
  assert.ok(outcome.error.message.startsWith(`NATS at ${servers[server].url} `), `the error names the broker: ${outcome.error.message}`);
  assert.match(outcome.error.message, reason);
  for (const secret of secrets) {
    assert.ok(!outcome.error.message.includes(secret) && !String(outcome.error.cause).includes(secret), 'the error never carries the secret');
    assert.ok(!logs.includes(secret), 'the logs never carry the secret');
  }
}

test('user and password: the event is acknowledged; a wrong password is a refusal naming the broker, never the password', async () => {
  await assertDelivered('user', { user: 'dcm-bridge', password });
  await assertRefused('user', { user: 'dcm-bridge', password: wrongPassword }, [wrongPassword]);
});

test('nkeySeedFile: the listed nkey user publishes; a seed the server does not list is refused', async () => {
  await assertDelivered('nkey', { nkeySeedFile: file('bridge.nk', `${bridgeNkey.seed}\n`) });
  await assertRefused('nkey', { nkeySeedFile: file('stranger.nk', strangerNkey.seed) }, [strangerNkey.seed]);
});

test('credsFile on an operator-mode server: the user JWT and seed authenticate; creds of an unknown account are refused', async () => {
  await assertDelivered('operator', { credsFile: file('bridge.creds', operator.bridgeCreds) });
  const strangerSeed = /SU[A-Z2-7]{56}/.exec(new TextDecoder().decode(operator.strangerCreds))?.[0] ?? assert.fail('no seed in the creds');
  await assertRefused('operator', { credsFile: file('stranger.creds', operator.strangerCreds) }, [strangerSeed]);
});

test('a rotated credsFile takes effect on the client\'s own reconnect, refused or accepted, without a new publisher', async () => {
  const credsFile = file('rotating.creds', operator.bridgeCreds);
  const { logger, lines } = memoryLogger('warn');
  const publisher = createNatsPublisher({ url: servers.operator.url, jetstream: true, createStream: false, streamName: 'dcm-status', maxInFlight: 8, ackTimeoutMs: 1500, retryDelayMs: 100, connectionName: 'rotation-test', credsFile, logger });
  const publishNext = async (): Promise<PublishOutcome> => {
    const event = buildStatusEvent({ providerName: 'p', endpoint: 'lab', platform: 'file', serviceType: 'vm', platformId: 'vm-1', instanceId: 'inst-1', status: 'RUNNING', previousStatus: undefined, message: 'm', observedAt: 0, sequence: ++sequence, epoch: 'rotation' });
    const [outcome] = await publisher.publish([event]);
    return outcome ?? assert.fail('no outcome');
  };
  /** Waits, within 10 s, until `condition` holds (the broker restart and the client's reconnects take a moment). */
  const until = async (what: string, condition: () => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      assert.ok(Date.now() < deadline, `${what} did not happen within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  try {
    assert.ok((await publishNext()).ok, 'the first creds work');
    writeFileSync(credsFile, operator.strangerCreds);
    await servers.operator.stop();
    await servers.operator.restart();
    const refusals = (): number => lines.filter((line) => line.includes('"natsStatus":"error"')).length;
    await until('two refused reconnects', () => refusals() >= 2);
    assert.equal(publisher.isConnected(), false, 'the stranger\'s creds, read at reconnect, are refused');
    writeFileSync(credsFile, operator.dcmCreds);
    await until('a reconnect', () => publisher.isConnected());
    assert.ok((await publishNext()).ok, 'another valid user\'s creds, read at a later reconnect, are accepted: the client never gave up');
  } finally {
    await publisher.close();
  }
});

test('a credsFile that is not one fails each attempt naming the key and path, never its content', async () => {
  const content = 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU not a creds file';
  const path = file('broken.creds', content);
  await assertRefused('operator', { credsFile: path }, [content.slice(0, 58)], new RegExp(`publisher\\.credsFile ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a NATS credentials file`));
});

test('TLS with the CA and a client certificate: the event is acknowledged', async () => {
  await assertDelivered('tls', { tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } });
});

test('TLS: a server certificate the CA did not sign, or no client certificate, fails naming the broker', async () => {
  await assertRefused('tls', { tls: { caFile: tls.strangerCaFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } }, [], /is not reachable \(.*certificate/i);
  // nats-server drops a client without a certificate after the handshake; the client sees only its connect timeout.
  await assertRefused('tls', { tls: { caFile: tls.caFile } }, [], /is not reachable \(/);
});

test('publisher.tls set: a server without TLS is refused even with the right password, so nothing goes out in the clear', async () => {
  await assertRefused('user', { user: 'dcm-bridge', password, tls: { caFile: tls.caFile } }, [password], /is not reachable \(.*tls/i);
});

test('a tls:// url requires TLS too, and with the CA it connects', async () => {
  const { outcome } = await publishOnce(servers.user, { url: servers.user.url.replace('nats://', 'tls://'), user: 'dcm-bridge', password });
  assert.ok(!outcome.ok && /tls/i.test(outcome.error.message), 'a plain server is refused');
  await assertDelivered('tls', { url: servers.tls.url.replace('nats://', 'tls://'), tls: { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile } });
});
