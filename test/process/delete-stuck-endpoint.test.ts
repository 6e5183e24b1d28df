import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { bridgeConfigYaml, startBridgeRun } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const writeToken = 'process-test-write-token-0123456789';

/** A platform that accepts connections and never answers: every poll of it waits out its request timeout (30 s). */
async function startSilentPlatform(): Promise<{ readonly url: string; readonly connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// README, API: "DELETE … 204 once polling has stopped: a poll in flight is aborted, whatever it waits on (a platform
// that does not answer, a slot of scheduler.maxConcurrentPolls)".
test('run: DELETE of an endpoint whose poll waits on a silent platform, or for the one poll slot, answers at once; so does SIGTERM', async (t) => {
  const platform = await startSilentPlatform();
  t.after(() => platform.close());
  const yaml = bridgeConfigYaml({
    cacheUrl: harness().redis.url,
    natsUrl: harness().nats.url,
    scheduler: 'maxConcurrentPolls: 1',
    api: `writeToken: "\${env:API_WRITE_TOKEN}", allowPrivateTargets: true, credentialKeys: ["k1:\${env:CREDENTIAL_KEY}"]`,
  });
  const bridge = await startBridgeRun(writeConfig(harness(), 'silent.yaml', yaml), { env: { API_WRITE_TOKEN: writeToken, CREDENTIAL_KEY: Buffer.alloc(32, 7).toString('base64') } });
  t.after(() => bridge.dispose());
  const write = { authorization: `Bearer ${writeToken}` };
  const register = async (id: string): Promise<void> => {
    const body = { platform: 'openstack', url: `${platform.url}/identity/v3`, interval_seconds: 10, credentials: { application_credential_id: 'dcm', application_credential_secret: 'not-used' } };
    const created = await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints?id=${id}`, { method: 'POST', headers: { ...write, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(created.status, 201, await created.text());
  };
  const remove = async (id: string): Promise<number> => {
    const started = performance.now();
    const removed = await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/${id}`, { method: 'DELETE', headers: write, signal: AbortSignal.timeout(20_000) }).catch((error: unknown) => assert.fail(`DELETE ${id} did not answer within 20 s: ${String(error)}\n${bridge.stderr()}`));
    assert.equal(removed.status, 204, await removed.text());
    return performance.now() - started;
  };

  // The first poll of a new endpoint starts at once: `stuck` holds the only slot, waiting for Keystone's answer.
  await register('stuck');
  for (const deadline = Date.now() + 10_000; platform.connections() === 0; ) {
    assert.ok(Date.now() < deadline, `the poll of stuck reached the platform:\n${bridge.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await register('queued');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(platform.connections(), 1, 'the poll of queued waits for the slot; it has not reached the platform');

  const queuedMs = await remove('queued');
  assert.ok(queuedMs < 2000, `DELETE of the endpoint waiting for a slot took ${Math.round(queuedMs)} ms`);
  const stuckMs = await remove('stuck');
  assert.ok(stuckMs < 2000, `DELETE of the endpoint waiting on its platform took ${Math.round(stuckMs)} ms`);
  const lines = bridge.logLines();
  for (const id of ['queued', 'stuck']) assert.ok(lines.some((line) => line['msg'] === `endpoint ${id} unregistered over the API`), `${id} unregistered:\n${bridge.stderr()}`);
  assert.equal(platform.connections(), 1, 'queued never polled, not even once the slot was free');

  // README, Running it: run exits within publisher.ackTimeoutSeconds (2 s here) + 5 s of SIGTERM, polls stuck or queued too.
  await register('stuck-again');
  for (const deadline = Date.now() + 10_000; platform.connections() < 2; ) {
    assert.ok(Date.now() < deadline, `the poll of stuck-again reached the platform:\n${bridge.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await register('queued-again');
  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  assert.ok(exit.elapsedMs < 7000, `exited ${Math.round(exit.elapsedMs)} ms after SIGTERM`);
  assert.ok(!bridge.stderr().includes('still busy'), `every poll ended; the exit safety net did not have to fire:\n${bridge.stderr()}`);
});
