import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { runCommand } from '../../src/main.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { instances, useHarness, writeConfig } from '../support/harness.js';
import { eventually, fileRegistration, writeToken } from './api-support.js';

const harness = useHarness();

const sink = (lines: string[]): Writable =>
  new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });

test('run serves the API, loads registrations, registers with DCM, and closes the API on SIGTERM; once does not listen', async () => {
  const registrations: unknown[] = [];
  const dcm = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      registrations.push(JSON.parse(text));
      response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => dcm.listen(0, '127.0.0.1', resolve));
  const dcmUrl = `http://127.0.0.1:${(dcm.address() as AddressInfo).port}/api/v1alpha1`;

  harness().setPlatform('lab', { instances: instances(1, 'on', 950) });
  harness().setPlatform('joined', { instances: instances(1, 'on', 960) });
  const yaml = harness().configYaml({ endpoints: ['lab'], extra: `api: { listen: "127.0.0.1:0", writeToken: "\${env:API_WRITE_TOKEN}", publicBaseUrl: "http://bridge.test:8080", credentialKeys: [{ id: k1, key: "\${env:CREDENTIAL_KEY}" }] }\ndcm: { registrationUrl: "${dcmUrl}", zone: lab-zone }\n` });
  const path = writeConfig(harness(), 'api-run.yaml', yaml);
  const env = { TEST_PLATFORM_TOKEN: 'platform-token-secret-value', API_WRITE_TOKEN: writeToken, CREDENTIAL_KEY: Buffer.alloc(32, 9).toString('base64') };
  const adapters = [createFileAdapter({ minimumIntervalSeconds: 1 })];

  let shutdown: ((signal: string) => void) | undefined;
  let baseUrl: string | undefined;
  const log: string[] = [];
  const running = runCommand({
    argv: ['run', '--config', path],
    env,
    stdout: sink([]),
    stderr: sink([]),
    logDestination: sink(log),
    adapters,
    onShutdownSignal: (handler) => (shutdown = handler),
    onApiListening: (url) => (baseUrl = url),
  });
  const url = await eventually('the API listening', () => baseUrl);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  const created = await fetch(`${url}/api/v1alpha1/endpoints?id=joined`, { method: 'POST', headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' }, body: JSON.stringify(fileRegistration(harness(), 'joined')) });
  assert.equal(created.status, 201, await created.text());
  await eventually('registered with DCM', () => registrations.length >= 1);
  assert.deepEqual(registrations[0], { name: 'test-bridge', endpoint: 'http://bridge.test:8080/api/v1alpha1/vms', service_type: 'vm', schema_version: 'v1alpha1', metadata: { zone: 'lab-zone' } });

  shutdown?.('SIGTERM');
  assert.equal(await running, 0);
  await assert.rejects(fetch(`${url}/healthz`), 'the API is closed after SIGTERM');
  assert.ok(log.some((line) => line.includes('HTTP API listening')));

  // `once` polls the registered endpoint too, and never listens.
  let onceListened = false;
  const before = (await harness().dcm.messages()).length;
  const once = await runCommand({ argv: ['once', '--resync', '--config', path], env, stdout: sink([]), stderr: sink([]), logDestination: sink([]), adapters, onApiListening: () => (onceListened = true) });
  assert.equal(once, 0);
  assert.equal(onceListened, false);
  const resynced = (await harness().dcm.messages()).slice(before).map((message) => message.event.data.id);
  assert.deepEqual(resynced.sort(), ['inst-950', 'inst-960'], 'the registration persisted in Redis is polled by once');
  await new Promise((resolve) => dcm.close(resolve));
});
