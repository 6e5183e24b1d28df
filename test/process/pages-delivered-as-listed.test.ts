import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const listRoute = 'GET /compute/v2.1/servers/detail';
const pageDelayMs = 3000;

// README "Design choices": each page is diffed, recorded, published and committed while the next page is
// listed (#12). The built CLI against a Nova simulator process whose every page takes 3 s: page 1's events
// must be in DCM's stream while the bridge is still waiting for page 2 (its poll report not yet logged).
test('run publishes a page\'s events while the platform is still answering the next page', async (t) => {
  const openstack = await startSimulatorProcess('openstack', ['--servers', '300', '--tagged', '300', '--max-limit', '100']);
  t.after(() => openstack.dispose());
  const armed = await fetch(`${openstack.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: [{ kind: 'latencyMs', delayMs: pageDelayMs, scope: { route: listRoute } }] }),
  });
  assert.equal(armed.status, 200, await armed.text());

  const yaml = bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: openstackEndpointYaml('paged', openstack.url, DEFAULT_CREDENTIALS) });
  const bridge = await startBridgeRun(writeConfig(harness(), 'paged.yaml', yaml), { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password } });
  t.after(() => bridge.dispose());
  const pollReported = (): boolean => bridge.logLines().some((line) => typeof line['poll'] === 'object' && line['poll'] !== null);

  let held = 0;
  for (const deadline = Date.now() + 20_000; held < 100 && Date.now() < deadline; ) {
    held = (await harness().dcm.messages()).length;
    if (held < 100) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(held >= 100 && held < 300, `page 1's 100 events are stored before the rest (${held} held):\n${bridge.stderr()}`);
  assert.equal(pollReported(), false, 'and the poll is still listing: its report is not logged yet');

  for (const deadline = Date.now() + 30_000; !pollReported() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(pollReported(), bridge.stderr());
  const all = await harness().dcm.messages();
  assert.equal(all.length, 300, 'every server once');
  assert.equal(new Set(all.map((message) => message.event.data.id)).size, 300);

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
});
