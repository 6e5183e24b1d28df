import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

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
