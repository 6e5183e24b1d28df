import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import { createFakeClock } from '../support/fake-clock.js';
import { loadConfig } from '../../src/config/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';
import { eventually } from './api-support.js';

let harness: Harness;
let lab: VsphereLab;
before(async () => {
  harness = await startHarness();
  lab = await startVsphereLab();
});
after(async () => {
  await lab.close();
  await harness.dispose();
});

const backoffMaxSeconds = 60;
const vmList = 'GET /api/vcenter/vm';

test('a vCenter answering 429 with Retry-After: 99999999 is polled once per backoffMaxSeconds, not hammered', async () => {
  lab.simulator.seedDcmVms({ count: 3, tagged: 3 });
  lab.simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 99_999_999, scope: { route: vmList } }]);
  const adapters = createAdapterRegistry([createVsphereAdapter()]);
  const config = loadConfig({
    yaml: {
      text: `provider: { name: test-bridge }
cache: { url: ${harness.redis.url}, namespace: ns-flood-${Date.now()} }
publisher: { kind: nats, url: ${harness.nats.url}, jetstream: true, ackTimeoutSeconds: 2 }
scheduler: { jitterRatio: 0, backoffMaxSeconds: ${backoffMaxSeconds} }
endpoints: ${JSON.stringify([lab.endpointInput({ name: 'vc-flood', apiFlavor: 'api', intervalSeconds: 10 })])}
`,
      origin: 'test',
    },
    env: {},
    adapters,
  }).config;
  const clock = createFakeClock();
  const origin = clock.now();
  const bridge = await harness.bridge(config, { adapters, clock });
  lab.simulator.resetStats();
  await bridge.start();

  // Fake time moves from one scheduled poll to the next; real time only waits for each poll's I/O to settle.
  const windowMs = 10 * backoffMaxSeconds * 1000;
  const pollsAt: number[] = [];
  let settled = 0;
  await clock.advance(0);
  for (;;) {
    const status = await eventually('the poll in flight to settle', () => {
      const current = bridge.status('vc-flood');
      return current?.lastPoll && current.lastPoll.finishedAt >= (pollsAt.at(-1) ?? origin) && current.consecutiveFailures > settled ? current : undefined;
    });
    settled = status.consecutiveFailures;
    pollsAt.push(status.lastPoll?.finishedAt ?? NaN);
    assert.equal(status.lastError?.code, 'PLATFORM_THROTTLED', status.lastError?.message);
    const nextPollAt = status.nextPollAt ?? Infinity;
    assert.ok(nextPollAt - clock.now() <= backoffMaxSeconds * 1000, `next poll ${nextPollAt - clock.now()} ms away`);
    // Stop before a poll outside the window starts, so the request count covers settled polls only.
    if (nextPollAt - origin > windowMs) break;
    await clock.advance(nextPollAt - clock.now());
  }

  const listRequests = lab.simulator.stats().byRoute[vmList] ?? 0;
  const gaps = pollsAt.slice(1).map((at, index) => at - (pollsAt[index] ?? 0));
  console.log(`${pollsAt.length} polls and ${listRequests} VM-list requests in ${windowMs / 1000} s of fake time; gaps ${[...new Set(gaps)].join(', ')} ms`);
  assert.equal(pollsAt.length, 11, 'one poll at 0 s, then one per 60 s over 600 s');
  assert.ok(gaps.every((gap) => gap === backoffMaxSeconds * 1000), `gaps ${gaps.join(', ')}`);
  assert.equal(listRequests, pollsAt.length, 'one VM-list request per poll');
  await bridge.stop();
});
