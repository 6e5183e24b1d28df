import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instances, useHarness } from '../support/harness.js';

const harness = useHarness();

/** Resolves once DCM's stream holds `count` events of `endpoint`, or fails after `timeoutMs`. */
async function untilStreamHolds(endpoint: string, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === endpoint).length;
    if (held >= count || Date.now() > deadline) return held;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Issue #12: a storm used to build every change of the poll before publishing any (over 500 MB at
// 100,000 VMs). Pages are now diffed, recorded, published and committed while the list goes on.
test('a page reaches DCM and the cache while the platform is still listing the next one', async (context) => {
  const gate = mkdtempSync(join(tmpdir(), 'dcm-gate-'));
  context.after(() => rmSync(gate, { recursive: true, force: true }));
  const release = join(gate, 'release');
  const all = instances(3000);
  harness().setPlatform('streamed', { instances: all, pageSize: 1000, holdAfterPages: { pages: 1, until: release } });
  const bridge = await harness().bridge(harness().config({ endpoints: ['streamed'] }));

  const poll = bridge.runOnce();
  const heldWhileListing = await untilStreamHolds('streamed', 1000, 20_000);
  assert.equal(heldWhileListing, 1000, "page 1's 1,000 events are in DCM's stream before page 2 is listed");
  const committed = await bridge.cache.readInstances('streamed', all.slice(0, 1000).map((instance) => instance.platformId));
  const deadline = Date.now() + 10_000;
  let committedCount = committed.filter(Boolean).length;
  while (committedCount < 1000 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    committedCount = (await bridge.cache.readInstances('streamed', all.slice(0, 1000).map((instance) => instance.platformId))).filter(Boolean).length;
  }
  assert.equal(committedCount, 1000, "and their records are committed: a crash now would not tell them again");
  assert.equal((await bridge.cache.readIndex('streamed')).epoch, undefined, 'the index takes the epoch only once the list is complete');

  writeFileSync(release, '');
  const result = await poll;
  assert.ok(result.ok, JSON.stringify(result.endpoints[0]?.lastError));
  assert.equal(await untilStreamHolds('streamed', 3000, 10_000), 3000);
  assert.equal(result.endpoints[0]?.lastReport?.transitions, 3000);
  assert.equal((await bridge.cache.readIndex('streamed')).members.size, 3000);
});
