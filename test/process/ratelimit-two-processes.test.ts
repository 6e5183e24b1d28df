// Shared platform rate limit as operators run it: two bridge processes (the
// built CLI, `once`) on one Redis, two endpoints each, all four in one
// OpenStack project on one simulator process. The requests the simulator
// counts (over its control API) stay within the one bucket
// `rateLimits.openstack` sets for that project, and each process warns that
// its polls spent most of their time waiting for that budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, runBridgeCommand, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const rate = { requestsPerSecond: 10, burst: 5 };

test('two bridge processes, four endpoints of one OpenStack project: the simulator never sees more than burst + rate × elapsed', async (t) => {
  // 1,000 managed servers in pages of 100: each endpoint's poll is a token and 11 list pages.
  const nova = await startSimulatorProcess('openstack', ['--servers', '1000', '--tagged', '1000', '--max-limit', '100']);
  t.after(() => nova.dispose());
  const namespace = `ns-rate-${Date.now()}`;
  const configOf = (file: string, names: readonly string[]): string =>
    writeConfig(
      harness(),
      file,
      bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, namespace, endpoints: names.map((name) => openstackEndpointYaml(name, nova.url, DEFAULT_CREDENTIALS)).join('') }) +
        `rateLimits: { openstack: { requestsPerSecond: ${rate.requestsPerSecond}, burst: ${rate.burst} } }\n`,
    );
  const total = async (): Promise<number> => ((await (await fetch(`${nova.url}/_sim/stats`)).json()) as { total: number }).total;
  const base = await total();

  const started = Date.now();
  const samples: Array<readonly [number, number]> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const at = Date.now() - started;
      samples.push([at, (await total()) - base]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const env = { OS_PASSWORD: DEFAULT_CREDENTIALS.password };
  const runs = await Promise.all([
    runBridgeCommand(['once', '--config', configOf('rate-a.yaml', ['os-a1', 'os-a2'])], { env }),
    runBridgeCommand(['once', '--config', configOf('rate-b.yaml', ['os-b1', 'os-b2'])], { env }),
  ]);
  sampling = false;
  await sampler;
  for (const run of runs) assert.equal(run.code, 0, run.stderr);

  // The simulator counts platform requests only (its /_sim/ control routes are not counted).
  const requests = (await total()) - base;
  assert.ok(requests >= 4 * 11, `four polls cost at least 44 requests (counted ${requests})`);
  for (const [atMs, count] of samples) {
    const allowed = rate.burst + (rate.requestsPerSecond * atMs) / 1000 + 1;
    assert.ok(count <= allowed, `${count} platform requests by +${atMs} ms, more than the bucket allows (${allowed.toFixed(1)})`);
  }
  // Four polls of 12 requests each share 5 + 10/s: every poll spends most of its time waiting, and says so.
  for (const run of runs) {
    const warnings = run.stderr.split('\n').filter((line) => line.includes("waiting for its account's request budget (rateLimits.openstack)"));
    assert.ok(warnings.length >= 1, `each process warns that its polls waited on the rate limit; its log:\n${run.stderr}`);
    for (const line of warnings) assert.ok((JSON.parse(line) as { rateLimitWaitMs: number }).rateLimitWaitMs >= 1000, line);
  }
  const busyMs = Math.max(...runs.map((run) => run.elapsedMs));
  const floorMs = ((requests - rate.burst) / rate.requestsPerSecond) * 1000;
  assert.ok(busyMs >= floorMs * 0.9, `the ${requests} requests took ${busyMs.toFixed(0)} ms, at least the ${floorMs.toFixed(0)} ms the rate asks`);
  console.log(`2 bridge processes, 4 endpoints in one project, ${rate.requestsPerSecond}/s burst ${rate.burst}: ${requests} platform requests, processes done in ${busyMs.toFixed(0)} ms`);
});
