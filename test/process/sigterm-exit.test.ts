import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeCliScript, bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, spawnNodeScript, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';
import { freePort } from '../support/servers.js';

const harness = useHarness();
const ackTimeoutSeconds = 2;

test('run exits 0 on SIGTERM within ackTimeoutSeconds + 5 s, having committed what the broker acknowledged', async (t) => {
  const openstack = await startSimulatorProcess('openstack', ['--servers', '3', '--tagged', '2']);
  t.after(() => openstack.dispose());
  const env = { OS_PASSWORD: DEFAULT_CREDENTIALS.password };
  const config = writeConfig(harness(), 'sigterm.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, ackTimeoutSeconds, endpoints: openstackEndpointYaml('nova-lab', openstack.url, DEFAULT_CREDENTIALS) }));

  const bridge = await startBridgeRun(config, { env });
  t.after(() => bridge.dispose());
  await bridge.waitForLine('stderr', /"endpoint":"nova-lab".*"msg":"poll/);
  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  assert.ok(exit.elapsedMs < (ackTimeoutSeconds + 5) * 1000, `exited ${Math.round(exit.elapsedMs)} ms after SIGTERM`);
  assert.ok(!bridge.stderr().includes('still busy'), 'every connection was closed; the exit safety net did not have to fire');
  const published = await harness().dcm.messages();
  assert.deepEqual(published.map((message) => message.event.data.id).sort(), ['inst-00001', 'inst-00002']);

  // A clean stop committed the acknowledged states: the next process finds nothing new to tell DCM.
  const again = await runBridgeCommand(['once', '--config', config], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await harness().dcm.messages()).length, published.length, 'nothing re-published after the restart');
});

/** Spawns `run` with `config` and sends SIGTERM `afterMs` after the spawn; resolves to how it ended. */
async function sigtermAfter(t: TestContext, config: string, afterMs: number) {
  const bridge = spawnNodeScript(bridgeCliScript, ['run', '--config', config]);
  t.after(() => bridge.dispose());
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  return { bridge, exit: await bridge.stop('SIGTERM', 15_000) };
}

test('run exits 0 on a SIGTERM 100 ms after start, before it listens, leaving nothing open', async (t) => {
  const config = writeConfig(harness(), 'sigterm-early.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url }));
  const { bridge, exit } = await sigtermAfter(t, config, 100);
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  assert.ok(!bridge.stderr().includes('HTTP API listening'), `the signal came during start-up, not after it:\n${bridge.stderr()}`);
  assert.ok(!bridge.stderr().includes('still busy'), 'what had started was closed; the exit safety net did not have to fire');
  assert.ok(exit.elapsedMs < 5000, `exited ${Math.round(exit.elapsedMs)} ms after SIGTERM`);
});

test('run exits 0 on a SIGTERM while it is still connecting to an unreachable Redis, once the attempt ended', async (t) => {
  const config = writeConfig(harness(), 'sigterm-connecting.yaml', bridgeConfigYaml({ cacheUrl: `redis://127.0.0.1:${await freePort()}`, natsUrl: harness().nats.url }));
  const bridge = spawnNodeScript(bridgeCliScript, ['run', '--config', config]);
  t.after(() => bridge.dispose());
  await bridge.waitForLine('stderr', /"msg":"starting: opening the cache and the publisher"/);
  const exit = await bridge.stop('SIGTERM', 15_000);
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  // The connect attempt is not cut short: it ends within the cache's 5 s connect timeout, then everything closes.
  assert.ok(exit.elapsedMs < 7000, `exited ${Math.round(exit.elapsedMs)} ms after SIGTERM`);
  assert.match(bridge.stderr(), /"msg":"shutting down during start-up \(interrupted by SIGTERM\): closing what was opened"/);
  assert.ok(!bridge.stderr().includes('still busy'), 'the exit safety net did not have to fire');
});
