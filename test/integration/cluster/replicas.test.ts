import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointStatusResource } from '../../../src/api/index.js';
import type { Bridge } from '../../../src/bridge/index.js';
import { loadConfig, type BridgeConfig } from '../../../src/config/index.js';
import { ErrorCode } from '../../../src/errors/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFileAdapter } from '../../support/file-adapter.js';
import { instances, memoryLogger, useHarness } from '../../support/harness.js';
import { redisCommand } from '../../support/servers.js';

const harness = useHarness();
const adapters = createAdapterRegistry([createFileAdapter({ minimumIntervalSeconds: 0 })]);

/** One config text per cluster (one namespace), loaded once per replica with its own id. */
function clusterConfigs(endpoints: readonly string[], cluster: string): (replicaId: string) => BridgeConfig {
  const yaml = harness().configYaml({ endpoints, extra: `cluster: { enabled: true, ${cluster} }` });
  return (replicaId) => loadConfig({ yaml: { text: yaml.replace('cluster: { enabled: true,', `cluster: { enabled: true, replicaId: ${replicaId},`), origin: 'test' }, env: { TEST_PLATFORM_TOKEN: 'platform-token-secret-value' }, adapters }).config;
}

/** Successful polls per endpoint on one bridge, from its own metrics. */
async function pollsByEndpoint(bridge: Bridge): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { labels, value } of (await bridge.metrics.polls.get()).values) counts.set(String(labels['endpoint']), (counts.get(String(labels['endpoint'])) ?? 0) + value);
  return counts;
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - started;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('three replicas share nine endpoints: each is polled by exactly one, the one that holds its lease, and a stopped replica\'s endpoints move within the lease TTL', async () => {
  const names = Array.from({ length: 9 }, (_, index) => `ep-${index}`);
  for (const name of names) harness().setPlatform(name, { instances: instances(2, 'on', 1) });
  const configFor = clusterConfigs(names, 'memberTtlSeconds: 1.5, leaseTtlSeconds: 1.5');
  const bridges: Bridge[] = [];
  for (const replica of ['replica-a', 'replica-b', 'replica-c']) {
    const bridge = await harness().bridge(configFor(replica));
    await bridge.start();
    bridges.push(bridge);
  }
  const held = async (bridge: Bridge): Promise<number> => (await bridge.metrics.ownedEndpoints.get()).values.reduce((sum, { value }) => sum + value, 0);
  await until('the three replicas hold all nine endpoints between them, each some', async () => {
    const counts = await Promise.all(bridges.map(held));
    return counts.every((count) => count > 0) && counts.reduce((a, b) => a + b, 0) === 9;
  });
  for (const bridge of bridges) assert.equal((await bridge.metrics.clusterMembers.get()).values[0]?.value, 3);

  // Counted over a window after the shares settled: every endpoint polled, each by one replica only.
  const before = await Promise.all(bridges.map(pollsByEndpoint));
  await wait(3500);
  const after = await Promise.all(bridges.map(pollsByEndpoint));
  const pollers = new Map<string, string[]>();
  for (const name of names) {
    pollers.set(name, bridges.flatMap((bridge, position) => ((after[position]?.get(name) ?? 0) > (before[position]?.get(name) ?? 0) ? [bridge.replicaId as string] : [])));
    assert.equal(pollers.get(name)?.length, 1, `${name} was polled by ${JSON.stringify(pollers.get(name))}`);
  }
  // Any replica tells who owns any endpoint, from Redis.
  for (const name of names) {
    for (const bridge of bridges) {
      const owner = await bridge.ownerOf(name);
      assert.equal(owner?.replica, pollers.get(name)?.[0], `${bridge.replicaId} names the owner of ${name}`);
      assert.ok(owner && owner.token >= 1 && owner.leaseAgeSeconds !== undefined && owner.leaseAgeSeconds >= 0);
      const resource = endpointStatusResource(name, bridge.status(name), owner) as { owner?: { replica: string; lease_age_seconds: number; token: number } };
      assert.deepEqual(Object.keys(resource.owner ?? {}), ['replica', 'lease_age_seconds', 'token'], 'the status resource shows the owner');
      assert.equal(resource.owner?.replica, owner.replica);
    }
  }
  // Every poll wrote DCM's state: each instance reported once, whatever replica polled it.
  const events = await harness().dcm.messages();
  for (const name of names) assert.equal(events.filter((message) => message.event['dcmendpoint'] === name && message.event['dcmkind'] !== 'resync').length >= 2, true, `${name}'s instances were published`);

  // A clean stop gives its endpoints back at once; the others take them within the lease TTL.
  const [stopping, ...staying] = bridges as [Bridge, Bridge, Bridge];
  const moving = names.filter((name) => pollers.get(name)?.[0] === stopping.replicaId);
  assert.ok(moving.length > 0);
  const stoppedAt = Date.now();
  await stopping.stop();
  const tookMs = await until(`${moving.join(', ')} are polled by the remaining replicas`, async () => {
    const counts = await Promise.all(staying.map(pollsByEndpoint));
    return moving.every((name) => counts.some((count) => (count.get(name) ?? 0) > 0));
  });
  assert.ok(Date.now() - stoppedAt <= 1500 + 1000 + 500, `moved within the lease TTL plus one poll interval: took ${tookMs} ms`);
  for (const name of moving) assert.notEqual((await staying[0].ownerOf(name))?.replica, stopping.replicaId);
  await Promise.all(staying.map((bridge) => bridge.stop()));
});

test('a replica whose lease was taken over cannot commit: its poll fails with LEASE_LOST, it publishes nothing, and it stops polling', async () => {
  harness().setPlatform('contested', { instances: instances(3, 'on', 1) });
  // A long lease: the take-over below happens between two renewals, as with a replica paused past its lease.
  const config = clusterConfigs(['contested'], 'memberTtlSeconds: 60, leaseTtlSeconds: 60')('replica-a');
  const { logger, lines } = memoryLogger();
  const bridge = await harness().bridge(config, { logger });
  await bridge.start();
  const published = async () => (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'contested');
  await until('the first poll published the three instances', async () => (await published()).length === 3);
  const owner = await bridge.ownerOf('contested');
  assert.equal(owner?.replica, 'replica-a');

  // Another replica takes the lease over (as after this one's lease lapsed): a higher token.
  const leaseKey = `${config.cache.namespace}:v2:cluster:lease:contested`;
  await redisCommand(harness().redis, 'SET', leaseKey, `replica-b ${owner!.token + 1}`, 'PX', '60000');
  harness().setPlatform('contested', { instances: instances(3, 'off', 1) });
  const refusal = await until('the replica polled again and its write was refused', () => lines.some((line) => line.includes(`"code":"${ErrorCode.LeaseLost}"`) && line.includes('poll failed')));
  assert.ok(refusal >= 0);
  assert.ok(lines.some((line) => line.includes('held as \\"replica-b')), 'the refusal names the new holder');
  await until('it gave the endpoint up', async () => (await bridge.metrics.ownedEndpoints.get()).values.every(({ value }) => value === 0));
  await wait(1500);
  assert.equal((await published()).length, 3, 'no event of the stopped VMs was published by the stale replica');
  assert.equal(await redisCommand(harness().redis, 'GET', leaseKey), `replica-b ${owner!.token + 1}`, "the stale replica did not touch the new holder's lease");
  const record = JSON.parse(await redisCommand(harness().redis, 'GET', `${config.cache.namespace}:v2:instance:contested:vm-1`)) as unknown[];
  assert.equal(record[2], 'RUNNING', 'the committed state is still what DCM was told');
});
