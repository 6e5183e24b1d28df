import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { createDcmStream } from '../support/jetstream-consumer.js';
import { freePort, startNats, startRedis } from '../support/servers.js';

const ackTimeoutSeconds = 1;

// Issue #9 item 5: with NATS never reachable, the first SIGTERM was swallowed and `run` never exited.
test('run with the broker down from the start exits 0 within ackTimeoutSeconds + 5 s of SIGTERM, having committed nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const openstack = await startSimulatorProcess('openstack', ['--servers', '4', '--tagged', '3']);
  t.after(() => openstack.dispose());
  const namespace = `broker-down-${process.pid}`;
  const endpoints = openstackEndpointYaml('nova-lab', openstack.url, DEFAULT_CREDENTIALS);
  const env = { OS_PASSWORD: DEFAULT_CREDENTIALS.password };
  const downConfig = join(dir, 'down.yaml');
  writeFileSync(downConfig, bridgeConfigYaml({ cacheUrl: redis.url, namespace, natsUrl: `nats://127.0.0.1:${await freePort()}`, ackTimeoutSeconds, endpoints }));

  const bridge = await startBridgeRun(downConfig, { env });
  t.after(() => bridge.dispose());
  // The first poll listed the three servers and could not reach the broker: to read DCM's stream
  // back (a fresh cache's first poll recalls it) or, with that done, to publish.
  await bridge.waitForLine('stderr', /"msg":"poll failed: .*(not acknowledged|cannot read what DCM was told from stream)/);
  const exit = await bridge.stop('SIGTERM', 30_000);
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  assert.ok(exit.elapsedMs < (ackTimeoutSeconds + 5) * 1000, `exited ${Math.round(exit.elapsedMs)} ms after SIGTERM`);
  assert.ok(!bridge.stderr().includes('still busy'), 'shutdown itself was bounded; the exit safety net did not have to fire');
  assert.ok(bridge.logLines().some((line) => line['msg'] === 'bridge stopped'));

  // Nothing unacknowledged was committed: once the broker is there, the next process publishes every state.
  const nats = await startNats();
  t.after(() => nats.dispose());
  const dcm = await createDcmStream(nats.url);
  t.after(() => dcm.close());
  const upConfig = join(dir, 'up.yaml');
  writeFileSync(upConfig, bridgeConfigYaml({ cacheUrl: redis.url, namespace, natsUrl: nats.url, ackTimeoutSeconds, endpoints }));
  const once = await runBridgeCommand(['once', '--config', upConfig], { env });
  assert.equal(once.code, 0, once.stderr);
  const published = (await dcm.messages()).map((message) => message.event.data.id);
  assert.deepEqual([...new Set(published)].sort(), ['inst-00001', 'inst-00002', 'inst-00003']);
});
