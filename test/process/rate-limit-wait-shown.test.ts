// README, Platform rate limits, "Seen waiting": a poll held back by rateLimits.<platform> shows how long, in the
// endpoint's status (last_poll.rate_limit_wait_seconds), in /metrics (dcm_bridge_rate_limit_wait_seconds_total) and
// in a warning. The built CLI's `run`, an OpenStack simulator process, real Redis and NATS; read over HTTP only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const readToken = 'process-test-read-token-0123456789';

test('run: a poll slowed by rateLimits.openstack shows its wait in the status resource, the metric and the log', async (t) => {
  // 60 managed servers in pages of 10: a Keystone token and 7 list requests, at 2 a second after a burst of 1: at least 3.5 s held.
  const nova = await startSimulatorProcess('openstack', ['--servers', '60', '--tagged', '60', '--max-limit', '10']);
  t.after(() => nova.dispose());
  const yaml =
    bridgeConfigYaml({
      cacheUrl: harness().redis.url,
      natsUrl: harness().nats.url,
      api: `readToken: "\${env:API_READ_TOKEN}"`,
      endpoints: openstackEndpointYaml('nova', nova.url, DEFAULT_CREDENTIALS),
    }) + 'rateLimits: { openstack: { requestsPerSecond: 2, burst: 1 } }\n';
  const bridge = await startBridgeRun(writeConfig(harness(), 'rate-limit-wait.yaml', yaml), { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password, API_READ_TOKEN: readToken } });
  t.after(() => bridge.dispose());
  const read = { authorization: `Bearer ${readToken}` };

  let lastPoll: { requests?: number; rate_limit_wait_seconds?: number } | undefined;
  for (const deadline = Date.now() + 30_000; lastPoll === undefined; ) {
    assert.ok(Date.now() < deadline, `the first poll settled within 30 s:\n${bridge.stderr()}`);
    const status = (await (await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/nova/status`, { headers: read })).json()) as { last_poll?: typeof lastPoll };
    lastPoll = status.last_poll;
    if (lastPoll === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok((lastPoll.requests ?? 0) >= 8, `a token and 7 pages (${JSON.stringify(lastPoll)})`);
  assert.ok((lastPoll.rate_limit_wait_seconds ?? 0) >= 3, `held at least 3.5 s by the limit: ${JSON.stringify(lastPoll)}`);

  const metrics = await (await fetch(`${bridge.apiUrl}/metrics`, { headers: read })).text();
  const counted = /^dcm_bridge_rate_limit_wait_seconds_total\{endpoint="nova"\} (\S+)$/m.exec(metrics);
  assert.ok(counted && Number(counted[1]) >= 3, `the metric counts the wait: ${counted?.[0] ?? 'absent'}`);

  const warning = bridge.logLines().find((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('poll of nova spent'));
  assert.ok(warning, `the wait is warned about:\n${bridge.stderr()}`);
  assert.match(String(warning['msg']), /waiting for its account's request budget \(rateLimits\.openstack\)/);
});
