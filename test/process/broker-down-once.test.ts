import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, startSimulatorProcess } from '../support/cli-process.js';
import { freePort, startRedis } from '../support/servers.js';

const ackTimeoutSeconds = 1;

// Issue #9 item 5: with NATS down from the start, `once` polled, then waited forever on a connect that retried forever.
test('once with the broker down from the start exits 1 within a bound, naming the broker', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const redis = await startRedis();
  t.after(() => redis.dispose());
  const openstack = await startSimulatorProcess('openstack', ['--servers', '3', '--tagged', '2']);
  t.after(() => openstack.dispose());
  // A port nobody listens on: every connection attempt is refused.
  const brokerUrl = `nats://127.0.0.1:${await freePort()}`;
  const config = join(dir, 'once.yaml');
  writeFileSync(config, bridgeConfigYaml({ cacheUrl: redis.url, natsUrl: brokerUrl, ackTimeoutSeconds, endpoints: openstackEndpointYaml('nova-lab', openstack.url, DEFAULT_CREDENTIALS) }));

  const result = await runBridgeCommand(['once', '--config', config], { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password } });
  assert.deepEqual([result.code, result.signal], [1, null], result.stderr);
  // Start-up (~1 s), one poll whose publish waits ackTimeoutSeconds for a connection, and the bounded close.
  assert.ok(result.elapsedMs < (ackTimeoutSeconds + 5) * 1000, `once took ${Math.round(result.elapsedMs)} ms`);
  // The poll fails at its first use of the broker: reading DCM's stream back (a fresh cache recalls it), or publishing.
  assert.match(result.stderr, /dcm-poll-bridge: once: endpoint nova-lab failed: .*(not acknowledged|cannot read what DCM was told from stream)/, 'a plain line names the failed endpoint');
  assert.ok(result.stderr.includes(`NATS at ${brokerUrl} is not reachable`), `the error names the broker:\n${result.stderr}`);
  assert.ok(!result.stderr.includes('still busy'), 'shutdown itself was bounded; the exit safety net did not have to fire');
});
