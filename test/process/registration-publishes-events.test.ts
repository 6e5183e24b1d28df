import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const writeToken = 'process-test-write-token-0123456789';

// Issue #9 item 1: a platform owner registers an endpoint over the API of the real CLI, and DCM hears about its VMs.
test('an endpoint registered over the API of run is polled and its VMs reach JetStream on dcm.vm as CloudEvents', async (t) => {
  // Nova + Keystone simulator as its own process: 5 servers, 3 of them tagged managed-by=dcm with a dcm-instance-id.
  const openstack = await startSimulatorProcess('openstack', ['--servers', '5', '--tagged', '3']);
  t.after(() => openstack.dispose());
  const yaml = bridgeConfigYaml({
    cacheUrl: harness().redis.url,
    natsUrl: harness().nats.url,
    // The simulator is on loopback, which registrations may only target when the operator allows it.
    // Registration credentials are sealed with this key in Redis.
    api: `writeToken: "\${env:API_WRITE_TOKEN}", allowPrivateTargets: true, credentialKeys: ["k1:\${env:CREDENTIAL_KEY}"]`,
  });
  const bridge = await startBridgeRun(writeConfig(harness(), 'registration.yaml', yaml), { env: { API_WRITE_TOKEN: writeToken, CREDENTIAL_KEY: Buffer.alloc(32, 5).toString('base64') } });
  t.after(() => bridge.dispose());

  const credentials = DEFAULT_CREDENTIALS;
  const created = await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints?id=nova-lab`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: 'openstack',
      url: `${openstack.url}/identity/v3`,
      interval_seconds: 10,
      credentials: { username: credentials.username, password: credentials.password, user_domain_name: credentials.userDomainName, project_name: credentials.projectName, project_domain_name: credentials.projectDomainName },
    }),
  });
  assert.equal(created.status, 201, await created.text());

  // The first poll of a new endpoint starts at once; wait for its three events in DCM's stream.
  let received = await harness().dcm.messages();
  for (const deadline = Date.now() + 20_000; received.length < 3 && Date.now() < deadline; received = await harness().dcm.messages()) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(received.length, 3, `one event per managed server:\n${bridge.stderr()}`);
  for (const message of received) {
    assert.equal(message.subject, 'dcm.vm');
    assert.equal(message.headers['Nats-Msg-Id'], message.event['id'], 'the CloudEvent id is the JetStream message id');
    assert.equal(message.event['specversion'], '1.0');
    assert.equal(message.event['type'], 'dcm.status.vm');
    assert.equal(message.event['source'], 'dcm/providers/process-test');
    // The simulator seeds its servers ACTIVE, which the OpenStack table maps to RUNNING.
    assert.equal(message.event.data.status, 'RUNNING');
  }
  assert.deepEqual(received.map((message) => message.event.data.id).sort(), ['inst-00001', 'inst-00002', 'inst-00003'], 'exactly the managed servers, by their dcm-instance-id');

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
});
