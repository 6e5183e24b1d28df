// A maintenance window holds deletions through a real bridge (Redis + NATS JetStream + the EC2
// simulator): an instance that vanishes while the window is open is not reported DELETED, however
// many polls see it missing; after the window it is asked about again and reported once if still
// gone, while one that came back in the window is never reported. The bridge's clock is fake (it
// drives the window); the SDK's request signatures and the simulator keep real time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEc2Adapter } from '../../adapters/ec2/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createFakeClock } from '../support/fake-clock.js';
import { fastRetries, startEc2Lab, type Ec2Lab } from '../support/ec2-lab.js';
import { startHarness, type Harness } from '../support/harness.js';

let harness: Harness;
let lab: Ec2Lab;
before(async () => {
  harness = await startHarness();
  lab = await startEc2Lab();
});
after(async () => {
  await lab.close();
  await harness.dispose();
});

test('an instance that vanishes in a window is DELETED once, after it, only if still gone; one back before the end never is', async () => {
  const windowStart = Date.UTC(2027, 0, 2, 2, 0);
  const clock = createFakeClock(windowStart - 10 * 60_000);
  const ids = lab.simulator.seedDcmInstances({ count: 4, tagged: 4 }).map((instance) => instance.instanceId);
  const [vanishing, retagged] = ids as [string, string];
  // A floor of 0: runOnce would otherwise wait the floor out on the fake clock.
  const adapters = createAdapterRegistry([createEc2Adapter({ minimumIntervalSeconds: 0, ...fastRetries })]);
  const endpoint = { ...lab.endpointInput({ name: 'aws-maint' }), intervalSeconds: 10, maintenanceWindows: [{ cron: '0 2 * * *', duration: '1h', timeZone: 'UTC' }] };
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-${Math.random().toString(36).slice(2)} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0 }
diff: { deleteAfterMissedLists: 2 }
endpoints: ${JSON.stringify([endpoint])}
`;
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const bridge = await harness.bridge(config, { adapters, clock });
  const statuses = async (): Promise<string[]> => (await harness.dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'aws-maint').map((message) => `${String(message.event.data.id)}:${String(message.event.data.status)}`);
  const deleted = async (): Promise<string[]> => (await statuses()).filter((status) => status.endsWith(':DELETED'));

  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await statuses()).length, 4, 'baseline: every instance published once');
  assert.equal(bridge.status('aws-maint')?.maintenance?.active, false);

  await clock.advance(10 * 60_000);
  assert.equal(bridge.status('aws-maint')?.maintenance?.active, true, 'the window opened at 02:00 on the bridge clock');
  assert.equal(await metricValue(bridge.metrics.registry, 'dcm_bridge_endpoint_in_maintenance', 'aws-maint'), 1);
  const vanishingDcmId = instanceIdOf(lab, vanishing);
  const retaggedDcmId = instanceIdOf(lab, retagged);
  lab.simulator.inventory.removeInstance(vanishing);
  lab.simulator.inventory.setTags(retagged, { 'managed-by': 'ops-team' });
  for (let poll = 0; poll < 4; poll++) {
    assert.ok((await bridge.runOnce()).ok);
    await clock.advance(10_000);
  }
  assert.deepEqual(await deleted(), [], 'nothing DELETED while the window is open, after 4 polls without both instances');
  const inWindow = bridge.status('aws-maint');
  assert.equal(inWindow?.maintenance?.heldDeletions, 2, 'both absences were held (asked about by no one)');
  assert.equal(await metricValue(bridge.metrics.registry, 'dcm_bridge_maintenance_held_deletions', 'aws-maint'), 2);
  assert.equal(await metricValue(bridge.metrics.registry, 'dcm_bridge_endpoint_health', 'aws-maint', 'maintenance'), 1);

  lab.simulator.inventory.setTags(retagged, { 'managed-by': 'dcm' });
  await clock.advance(60 * 60_000);
  assert.equal(bridge.status('aws-maint')?.maintenance?.active, false, 'the window closed at 03:00');
  assert.equal(await metricValue(bridge.metrics.registry, 'dcm_bridge_endpoint_in_maintenance', 'aws-maint'), 0);
  for (let poll = 0; poll < 3; poll++) {
    assert.ok((await bridge.runOnce()).ok);
    await clock.advance(10_000);
  }
  assert.deepEqual(await deleted(), [`${vanishingDcmId}:DELETED`], 'the instance still gone is DELETED once; the one back in scope never');
  assert.ok(!(await statuses()).some((status) => status.startsWith(`${retaggedDcmId}:`) && status !== `${retaggedDcmId}:RUNNING`), 'nothing new for the retagged one');
  assert.equal(bridge.status('aws-maint')?.maintenance?.heldDeletions, 0, 'polls after the window judged them again');
});

function instanceIdOf(lab: Ec2Lab, instanceId: string): string {
  const tags = lab.simulator.inventory.getInstance(instanceId)?.tags ?? [];
  return String(tags.find((tag) => tag.key === 'dcm-instance-id')?.value);
}

async function metricValue(registry: { getSingleMetric(name: string): unknown }, name: string, endpoint: string, state?: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name) as { get(): Promise<{ values: Array<{ labels: Record<string, string>; value: number }> }> } | undefined;
  const values = (await metric?.get())?.values ?? [];
  return values.find((value) => value.labels['endpoint'] === endpoint && (state === undefined || value.labels['state'] === state))?.value;
}
