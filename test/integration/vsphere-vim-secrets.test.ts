// Issue #13, must-show 4 (invariant 6) on the vim25 path: the vCenter password travels only in the
// Login envelope. Through the whole bridge at trace level, with logins, a session lost mid-paging,
// faults, a wrong password and logout, it appears in no log line, no metric, no endpoint status
// and no error, in plain or XML-escaped form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { capturedBridgeLogger, useHarness } from '../support/harness.js';
import { createSkippingClock, vsphereBridgeConfig } from '../support/vsphere-bridge.js';
import { useVsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
/** XML-special characters, so both the plain and the escaped form are looked for. */
const password = 'Vim-S3cret&<pass>"word"';
const escaped = 'Vim-S3cret&amp;&lt;pass&gt;&quot;word&quot;';
const lab = useVsphereLab({
  simulator: { credentials: { username: 'svc-dcm@vsphere.local', password } },
  seed: (simulator) => simulator.seedDcmVms({ count: 30, tagged: 12, via: 'customAttribute' }),
});

test('the vCenter password is in no log line, metric, status or error of the vim25 path', async () => {
  const adapters = createAdapterRegistry([createVsphereAdapter({ maxObjects: 10 })]);
  const config = vsphereBridgeConfig(harness(), [{ lab, input: { name: 'vc-vim-ok', apiFlavor: 'vim' } }, { lab, input: { name: 'vc-vim-wrong', apiFlavor: 'vim', password: `${password}-wrong` } }], adapters);
  const { logger, lines } = capturedBridgeLogger('trace');
  const bridge = await harness().bridge(config, { adapters, clock: createSkippingClock(), logger });

  const first = await bridge.runOnce();
  assert.equal(first.endpoints.find((status) => status.endpoint === 'vc-vim-ok')?.lastReport?.observed, 12, JSON.stringify(first.endpoints));
  const refused = bridge.status('vc-vim-wrong')?.lastError;
  assert.equal(refused?.code, 'PLATFORM_AUTH');
  assert.match(refused?.message ?? '', /InvalidLogin/);

  // A fault, then a session vCenter ended (one re-login), then a normal poll.
  lab.simulator.faults.set([{ kind: 'http5xx', trigger: { type: 'next', count: 1 }, scope: { route: 'POST /sdk ContinueRetrievePropertiesEx' } }]);
  await bridge.runOnce();
  lab.simulator.expireAllSessions();
  assert.ok((await bridge.runOnce()).endpoints.some((status) => status.endpoint === 'vc-vim-ok' && status.consecutiveFailures === 0));
  const statuses = JSON.stringify(['vc-vim-ok', 'vc-vim-wrong'].map((name) => bridge.status(name)));
  const metrics = await bridge.metrics.registry.metrics();
  await bridge.stop();

  assert.ok((lab.simulator.stats().byRoute['POST /sdk Login'] ?? 0) >= 3, 'logins happened: the password was sent');
  assert.ok(lines.length > 10, 'the bridge logged');
  for (const [where, text] of [['logs', lines.join('')], ['metrics', metrics], ['statuses', statuses]] as const) {
    assert.ok(!text.includes(password), `${where} hold the password`);
    assert.ok(!text.includes(escaped), `${where} hold the XML-escaped password`);
    assert.ok(!text.includes('Vim-S3cret'), `${where} hold part of the password`);
  }
});
