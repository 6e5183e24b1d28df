import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CREDENTIALS } from '../simulators/vsphere/index.js';
import { bridgeConfigYaml, runBridgeCommand, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();

/** A vsphere endpoint of the Web Services API path, as an operator writes it. */
function vimEndpointYaml(url: string, extra = ''): string {
  return `  - name: vc-vim
    platform: vsphere
    url: ${url}
    apiFlavor: vim
    intervalSeconds: 10
    credentials: { username: ${DEFAULT_CREDENTIALS.username}, password: "\${env:VCENTER_PASSWORD}" }
${extra}`;
}

// Issue #13: an operator configures a vim endpoint (custom attributes over SOAP) and DCM hears about exactly the managed VMs.
test('the built CLI with an apiFlavor: vim endpoint publishes the VMs carrying managed-by=dcm to JetStream; validate-config refuses tag over vim by key path', async (t) => {
  // The vCenter simulator as its own process: 30 VMs, 12 of them marked by custom attributes only.
  const vcenter = await startSimulatorProcess('vsphere', ['--vms', '30', '--tagged', '12', '--via', 'customAttribute']);
  t.after(() => vcenter.dispose());
  const env = { VCENTER_PASSWORD: DEFAULT_CREDENTIALS.password };

  const good = writeConfig(harness(), 'vim.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: vimEndpointYaml(vcenter.url) }));
  const once = await runBridgeCommand(['once', '--config', good], { env });
  assert.equal(once.code, 0, once.stderr);
  const received = (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'vc-vim');
  assert.equal(received.length, 12, once.stderr);
  assert.deepEqual(received.map((message) => message.event.data.id).sort(), Array.from({ length: 12 }, (_, index) => `inst-${String(index + 1).padStart(5, '0')}`));
  for (const message of received) {
    assert.equal(message.subject, 'dcm.vm');
    assert.equal(message.event.data.status, 'RUNNING');
  }
  assert.ok(!once.stderr.includes(DEFAULT_CREDENTIALS.password), 'the password is not logged');

  const tagOverVim = writeConfig(harness(), 'vim-tag.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: vimEndpointYaml(vcenter.url, '    selector: { source: tag }\n') }));
  const refused = await runBridgeCommand(['validate-config', '--config', tagOverVim], { env });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /endpoints\[0\]\.selector\.source: tag is read through the REST tagging API/);
});
