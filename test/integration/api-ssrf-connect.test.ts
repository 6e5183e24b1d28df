// DNS rebinding against the bridge as `run` wires it: one target policy (one resolver) for the
// registration, the check before each poll and the platform sockets. The registered name
// answers a public address to the first two lookups and the metadata address afterwards, as a
// rebinding DNS server with a zero TTL does: the registration and the poll's preflight pass,
// the connection is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBridgeApi, createBridgeEndpoints, createTargetConnectCheck, createTargetPolicy, createTargetPreflight, type Resolver } from '../../src/api/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createEc2Adapter } from '../../adapters/ec2/index.js';
import { fastRetries, startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { capturedBridgeLogger, useHarness } from '../support/harness.js';
import { eventually, writeToken } from './api-support.js';

const harness = useHarness();
const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 1 }), createEc2Adapter({ ...fastRetries, minimumIntervalSeconds: 1 })]);

const lookups: string[] = [];
const resolver: Resolver = async (host) => {
  lookups.push(host);
  if (host !== 'rebind.example') return [];
  return lookups.filter((asked) => asked === host).length <= 2 ? ['93.184.216.34'] : ['169.254.169.254'];
};

let lab: Ec2Lab;
before(async () => {
  lab = await startEc2Lab();
  lab.simulator.seedDcmInstances({ count: 2, tagged: 2 });
});
after(() => lab.close());

test('a registered name that passes at registration and before the poll, then resolves to the metadata address, is refused when the socket opens; a YAML endpoint on loopback is not subject to the policy', async () => {
  const { accessKeyId, secretAccessKey } = lab.simulator.credentials;
  const port = new URL(lab.url).port;
  // The operator's own endpoint points at loopback, which the policy (allowPrivateTargets off) would refuse for a registration.
  const yamlEndpoint = { name: 'aws-yaml', platform: 'ec2', url: lab.url, region: lab.simulator.region, intervalSeconds: 1, credentials: { accessKeyId, secretAccessKey } };
  const text = harness().configYaml({ extra: `api: { listen: "127.0.0.1:0", writeToken: ${writeToken} }\n` });
  // Plaintext registration credentials: encryption at rest has its own tests; this one is about where sockets go.
  const env = { TEST_PLATFORM_TOKEN: 'platform-token-secret-value', DCM_BRIDGE_ENDPOINTS: JSON.stringify([yamlEndpoint]), DCM_BRIDGE_API_ALLOW_PLAINTEXT_CREDENTIALS: 'true' };
  const config = loadConfig({ yaml: { text, origin: 'ssrf-test' }, env, adapters }).config;

  const { logger, lines: logLines } = capturedBridgeLogger('info');
  const clock = createSystemClock();
  const targets = createTargetPolicy(config.api, resolver);
  const bridge = await harness().bridge(config, { logger, clock, adapters, preflight: createTargetPreflight(targets), targetCheckFor: createTargetConnectCheck(targets) });
  const registrations = createBridgeEndpoints({ config, bridge, adapters, clock, logger, targets });
  await registrations.load();
  await bridge.start();
  const api = await createBridgeApi({ config, bridge, endpoints: registrations, clock, logger, version: '0.0.0-test' });
  const baseUrl = await api.listen();
  try {
    const body = { platform: 'ec2', url: `http://rebind.example:${port}`, region: lab.simulator.region, interval_seconds: 1, credentials: { access_key_id: accessKeyId, secret_access_key: secretAccessKey } };
    const created = await fetch(`${baseUrl}/api/v1alpha1/endpoints?id=aws-reg`, { method: 'POST', headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(created.status, 201, await created.text());

    const refusal = await eventually('the connect-time refusal in the log', () => logLines.find((line) => line.includes('not connecting: host rebind.example')));
    assert.match(
      JSON.parse(refusal).err?.message ?? refusal,
      /^ec2 endpoint aws-reg: not connecting: host rebind\.example resolves to 169\.254\.169\.254, which is a metadata address \(refused unless a CIDR in api\.allowedTargets covers it\)$/,
    );
    assert.deepEqual(lookups.slice(0, 3), ['rebind.example', 'rebind.example', 'rebind.example'], 'registration, the poll’s preflight, then the socket: one resolver throughout');

    const status = await eventually('aws-reg reported refused', async () => {
      const answer = (await (await fetch(`${baseUrl}/api/v1alpha1/endpoints/aws-reg/status`, { headers: { authorization: `Bearer ${writeToken}` } })).json()) as Record<string, unknown>;
      return (answer['last_error'] as { code?: string } | undefined)?.code === 'PERMISSION_DENIED' ? answer : undefined;
    });
    assert.notEqual(status['health'], 'healthy');

    // The YAML endpoint polled the same simulator over loopback and its events reached DCM.
    const yamlEvents = await eventually('aws-yaml events', async () => {
      const events = (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'aws-yaml');
      return events.length >= 2 ? events : undefined;
    });
    assert.equal(yamlEvents.length, 2);
    assert.equal((await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'aws-reg').length, 0, 'nothing from the refused registration');
    assert.ok(lookups.every((host) => host === 'rebind.example'), 'the YAML endpoint never consulted the policy’s resolver');
  } finally {
    await api.close();
    await bridge.stop();
  }
});
