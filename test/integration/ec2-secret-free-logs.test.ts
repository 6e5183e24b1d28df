import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createEc2Adapter } from '../../adapters/ec2/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { DEFAULT_CREDENTIALS } from '../simulators/ec2/index.js';
import { fastRetries, startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';
import { startHarness, type Harness } from '../support/harness.js';

// Issue #10, "Raw SDK errors reach the logs": an EC2-compatible endpoint that answers a wrong
// secret the verbose way puts the access key id, the signature and the session token into the
// SDK's error. None of them may reach a log line or the endpoint's status.

/** A temporary key pair the simulator knows; the bridge is given it with a wrong secret. */
const temporary = { accessKeyId: 'ASIAVERBOSEEXAMPLE01', secretAccessKey: 'the-right-secret-0123456789', sessionToken: 'FwoGZXIvYXdzEXAMPLEsessionTOKEN0123456789abcdef' };
const wrongSecret = 'wrong-secret-4f0a9c2e7b1d';

let harness: Harness;
let lab: Ec2Lab;
let proxy: Server;
let proxyUrl: string;
/** Every Authorization header the SDK sent, as it crossed the proxy. */
const authorizations: string[] = [];

before(async () => {
  harness = await startHarness();
  lab = await startEc2Lab({ credentials: [DEFAULT_CREDENTIALS, temporary], verboseSignatureErrors: true });
  // A pass-through proxy in front of the simulator, to learn the signatures the SDK computed.
  const target = new URL(lab.url);
  proxy = createServer((incoming, outgoing) => {
    authorizations.push(String(incoming.headers.authorization ?? ''));
    const forwarded = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await lab.close();
  await harness.dispose();
});

const signaturesSent = (): string[] => authorizations.map((header) => /Signature=([0-9a-f]{64})/.exec(header)?.[1] ?? '').filter((signature) => signature !== '');

test('the SDK error itself carries the key id, the signature and the session token (the premise)', async () => {
  const client = new EC2Client({ region: 'us-east-1', endpoint: proxyUrl, credentials: { ...temporary, secretAccessKey: wrongSecret }, maxAttempts: 1 });
  const sent = authorizations.length;
  await assert.rejects(client.send(new DescribeInstancesCommand({})), (error: Error & { AWSAccessKeyId?: string; SignatureProvided?: string }) => {
    assert.equal(error.name, 'SignatureDoesNotMatch');
    assert.equal(error.AWSAccessKeyId, temporary.accessKeyId);
    assert.equal(error.SignatureProvided, signaturesSent()[sent], 'the signature the SDK sent');
    assert.ok(error.message.includes(temporary.sessionToken), 'the canonical request in the message holds the session token');
    return true;
  });
  client.destroy();
});

test('a poll failing that way logs no key id, signature, secret or session token, and the status shows none; the error is still named', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const adapters = createAdapterRegistry([createEc2Adapter({ minimumIntervalSeconds: 1, ...fastRetries })]);
  const endpoint = lab.endpointInput({ name: 'aws-verbose', credentials: { ...temporary, secretAccessKey: wrongSecret } });
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0 }
endpoints: ${JSON.stringify([{ ...endpoint, url: proxyUrl }])}
`;
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const bridge = await harness.bridge(config, { adapters, logger });
  const before = authorizations.length;
  await bridge.start();
  for (const deadline = Date.now() + 10_000; bridge.status('aws-verbose')?.lastError === undefined; ) {
    if (Date.now() > deadline) throw new Error(`no failed poll within 10 s:\n${lines.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const status = bridge.status('aws-verbose');
  await bridge.stop();

  const signatures = signaturesSent().slice(before);
  assert.ok(signatures.length >= 1, 'the bridge sent at least one signed request');
  const written = lines.join('') + JSON.stringify(status);
  for (const secret of [temporary.accessKeyId, temporary.sessionToken, wrongSecret, ...signatures]) {
    assert.ok(!written.includes(secret), `${secret} appears in the logs or the status:\n${written}`);
  }
  assert.equal(status?.lastError?.code, 'PLATFORM_AUTH');
  assert.match(status?.lastError?.message ?? '', /AWS refused the request \(SignatureDoesNotMatch, HTTP 403\)/, 'the status still says what went wrong');
  const failure = lines.map((line) => JSON.parse(line) as { msg?: string; err?: { message?: string; causes?: string[] } }).find((line) => line.msg?.startsWith('poll failed'));
  assert.ok(failure?.err, `the failed poll is logged with its error:\n${lines.join('')}`);
  assert.ok(failure.err.causes?.some((cause) => /^SignatureDoesNotMatch: The request signature we calculated does not match/.test(cause)), `the logged error keeps its cause, sanitized: ${JSON.stringify(failure.err)}`);
});
