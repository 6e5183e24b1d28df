// Two bridges (each its own Redis connection, as replicas are) with two
// endpoints each, all four on one vCenter: their combined request rate,
// counted at the simulator, stays within the one bucket rateLimits.vsphere
// configures for that vCenter; a bridge on another namespace has its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSystemClock } from '../../src/clock/index.js';
import { loadConfig, type BridgeConfig } from '../../src/config/index.js';
import { createAdapterRegistry, type AdapterRegistry } from '../../src/registry/index.js';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import { useHarness, type Harness } from '../support/harness.js';
import { startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';

const harness = useHarness();
let lab: VsphereLab;
before(async () => {
  lab = await startVsphereLab();
});
after(() => lab.close());

const rate = { requestsPerSecond: 25, burst: 5 };

/** A bridge polling vSphere endpoints `names` on the lab, under `namespace`, with the test's rate. */
function configOf(harnessNow: Harness, adapters: AdapterRegistry, namespace: string, names: readonly string[], requestsPerSecond = rate.requestsPerSecond): BridgeConfig {
  const yaml = `provider: { name: test-bridge }
cache: { url: ${harnessNow.redis.url}, namespace: ${namespace} }
publisher: { kind: nats, url: ${harnessNow.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0 }
rateLimits: { vsphere: { requestsPerSecond: ${requestsPerSecond}, burst: ${rate.burst} } }
endpoints: ${JSON.stringify(names.map((name) => lab.endpointInput({ name, apiFlavor: 'api' })))}
`;
  return loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters }).config;
}

/** Samples the simulator's request count every 25 ms while `work` runs: [ms since start, requests so far]. */
async function sampleRequests(work: () => Promise<unknown>): Promise<{ samples: Array<readonly [number, number]>; elapsedMs: number }> {
  const before = lab.simulator.stats().total;
  const started = Date.now();
  const samples: Array<readonly [number, number]> = [];
  const sampler = setInterval(() => samples.push([Date.now() - started, lab.simulator.stats().total - before]), 25);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const elapsedMs = Date.now() - started;
  samples.push([elapsedMs, lab.simulator.stats().total - before]);
  return { samples, elapsedMs };
}

test('two bridges, four endpoints on one vCenter: together they never send more than burst + rate × elapsed', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 24, tagged: 20 });
  const namespace = `ns-shared-${Date.now()}`;
  const adapters = createAdapterRegistry([createVsphereAdapter()]);
  const first = await harness().bridge(configOf(harness(), adapters, namespace, ['vc-a1', 'vc-a2']), { adapters, clock: createSystemClock() });
  const second = await harness().bridge(configOf(harness(), adapters, namespace, ['vc-b1', 'vc-b2']), { adapters, clock: createSystemClock() });

  const { samples, elapsedMs } = await sampleRequests(async () => {
    const results = await Promise.all([first.runOnce(), second.runOnce()]);
    for (const result of results) assert.ok(result.ok, `every poll succeeded: ${JSON.stringify(result.endpoints.map((status) => status.lastError))}`);
  });
  const requests = samples[samples.length - 1]?.[1] ?? 0;
  // Each endpoint's first poll: login, category and managed-by lookups, 20 tag names, the tagging and VM lists.
  assert.ok(requests >= 4 * 25, `four first polls cost at least 100 requests (counted ${requests})`);
  for (const [atMs, count] of samples) {
    // One token of slack: a request counted at the simulator a moment after the sampler's clock read.
    const allowed = rate.burst + (rate.requestsPerSecond * atMs) / 1000 + 1;
    assert.ok(count <= allowed, `${count} requests by +${atMs} ms, more than the bucket allows (${allowed.toFixed(1)})`);
  }
  const floorMs = ((requests - rate.burst) / rate.requestsPerSecond) * 1000;
  assert.ok(elapsedMs >= floorMs * 0.95, `the ${requests} requests took ${elapsedMs} ms, at least the ${floorMs.toFixed(0)} ms the rate asks`);
  console.log(`4 endpoints on one vCenter, 2 bridges, ${rate.requestsPerSecond}/s burst ${rate.burst}: ${requests} requests in ${elapsedMs} ms = ${((requests * 1000) / elapsedMs).toFixed(1)}/s at the simulator`);
});

test('bridges with the limit off (requestsPerSecond: 0) send the same polls faster than the limit would let them', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 24, tagged: 20 });
  const namespace = `ns-off-${Date.now()}`;
  const adapters = createAdapterRegistry([createVsphereAdapter()]);
  const first = await harness().bridge(configOf(harness(), adapters, namespace, ['vc-a1', 'vc-a2'], 0), { adapters, clock: createSystemClock() });
  const second = await harness().bridge(configOf(harness(), adapters, namespace, ['vc-b1', 'vc-b2'], 0), { adapters, clock: createSystemClock() });
  const { samples, elapsedMs } = await sampleRequests(() => Promise.all([first.runOnce(), second.runOnce()]));
  const requests = samples[samples.length - 1]?.[1] ?? 0;
  // The control for the test above: without the bucket the same work outruns 25/s, so the bound there is the limiter's doing.
  assert.ok(requests > rate.burst + (rate.requestsPerSecond * elapsedMs) / 1000, `unlimited, ${requests} requests took ${elapsedMs} ms`);
  console.log(`the same polls unlimited: ${requests} requests in ${elapsedMs} ms`);
});
