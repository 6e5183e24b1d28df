import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bridge } from '../../src/bridge/index.js';
import { createFakeClock } from '../support/fake-clock.js';
import type { FaultSpec } from '../simulators/common/index.js';
import { memoryLogger, startHarness, type Harness } from '../support/harness.js';
import { startOpenstackBridge, startOpenstackLab, type OpenstackLab } from '../support/openstack-lab.js';

const listRoute = 'GET /compute/v2.1/servers/detail';
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.dispose());

describe('OpenStack faults through the pipeline: no event, no deletion', () => {
  let lab: OpenstackLab;
  before(async () => {
    lab = await startOpenstackLab({ simulator: { maxLimit: 10 } });
  });
  after(() => lab.close());

  test('each fault fails the poll and publishes nothing; the next healthy poll publishes the change once; failed polls never delete', async () => {
    const name = 'os-faults';
    // Three pages of 10, so page faults strike after earlier pages were read.
    const seeded = lab.simulator.seedDcmServers({ count: 25, tagged: 25 });
    const { bridge, events } = await startOpenstackBridge(harness, [lab.endpointInput({ name })], { adapter: { requestTimeoutMs: 500 } });
    assert.ok((await bridge.runOnce()).ok);
    assert.equal((await events(name)).length, 25);

    const target = seeded[0]?.serverId ?? '';
    const faults: { label: string; fault?: FaultSpec; page?: { page: number; action: Parameters<OpenstackLab['simulator']['failListingPage']>[1] }; code: string }[] = [
      { label: '500 on every list page', fault: { kind: 'http5xx', status: 500, scope: { route: listRoute } }, code: 'PLATFORM_HTTP' },
      { label: '503 on page 2', page: { page: 2, action: { kind: 'http5xx', status: 503 } }, code: 'PLATFORM_HTTP' },
      { label: '429 overLimit with Retry-After', fault: { kind: 'throttle429', retryAfterSeconds: 30, scope: { route: listRoute } }, code: 'PLATFORM_THROTTLED' },
      { label: 'latency past the timeout', fault: { kind: 'latencyMs', delayMs: 1500, scope: { route: listRoute } }, code: 'PLATFORM_TIMEOUT' },
      { label: 'truncated page 3', page: { page: 3, action: { kind: 'truncateBody', style: 'destroyMidBody' } }, code: 'PLATFORM_PAYLOAD' },
      { label: 'half a JSON body', fault: { kind: 'truncateBody', style: 'halfJson', scope: { route: listRoute } }, code: 'PLATFORM_PAYLOAD' },
      { label: 'dropped connection on page 2', page: { page: 2, action: { kind: 'dropConnection' } }, code: 'PLATFORM_UNREACHABLE' },
    ];
    let expected = 25;
    for (const [index, { label, fault, page, code }] of faults.entries()) {
      const stopped = index % 2 === 0;
      lab.simulator.servers.setState(target, stopped ? { vmState: 'stopped', taskState: null } : { vmState: 'active', taskState: null });
      if (fault) lab.simulator.faults.set([fault]);
      if (page) lab.simulator.failListingPage(page.page, page.action);
      const failed = await bridge.runOnce();
      assert.equal(failed.ok, false, `${label} fails the poll`);
      assert.equal(failed.endpoints[0]?.lastError?.code, code, failed.endpoints[0]?.lastError?.message);
      assert.match(failed.endpoints[0]?.lastError?.message ?? '', new RegExp(`^openstack endpoint ${name}: `));
      assert.equal((await events(name)).length, expected, `${label}: no event from a failed poll`);

      lab.simulator.faults.clear();
      lab.simulator.listingFaults.clear();
      assert.ok((await bridge.runOnce()).ok, `the poll after ${label} recovers`);
      const received = await events(name);
      expected += 1;
      assert.equal(received.length, expected, `exactly one event after ${label}`);
      assert.equal(received.at(-1)?.event.data.status, stopped ? 'STOPPED' : 'RUNNING');
    }

    // A token revoked mid-listing is not a failure: one re-authentication and the poll completes.
    lab.simulator.failListingPage(2, { kind: 'revokeToken' });
    assert.ok((await bridge.runOnce()).ok, 'revoked token mid-listing: re-auth, poll succeeds');
    console.log(`${faults.length} faults, each a failed poll then one recovering poll; ${lab.simulator.tokenCounters().issued} token request(s) in all`);

    const removed = seeded.at(-1)?.serverId ?? '';
    lab.simulator.servers.markDeleted(removed);
    lab.simulator.faults.set([{ kind: 'http5xx', status: 502, scope: { route: listRoute } }]);
    for (let poll = 0; poll < 3; poll++) assert.equal((await bridge.runOnce()).ok, false);
    lab.simulator.faults.set([]);
    lab.simulator.failListingPage(3, { kind: 'http5xx', status: 500 });
    assert.equal((await bridge.runOnce()).ok, false, 'a listing cut at page 3 counts for nothing');
    assert.equal((await events(name)).length, expected, 'failed and partial polls delete nothing');
    assert.ok((await bridge.runOnce()).ok);
    assert.equal((await events(name)).length, expected, 'one complete list without it: not yet');
    assert.ok((await bridge.runOnce()).ok);
    const received = await events(name);
    assert.equal(received.length, expected + 1);
    assert.deepEqual([received.at(-1)?.event.data.id, received.at(-1)?.event.data.status], ['inst-00025', 'DELETED']);
  });
});

describe('overLimit with Retry-After: the scheduler waits at least the advertised time', () => {
  const clock = createFakeClock(Date.parse('2026-01-01T00:00:00Z'));
  let lab: OpenstackLab;
  let bridge: Bridge;
  const name = 'os-throttled';
  const { logger, lines } = memoryLogger('debug');

  before(async () => {
    lab = await startOpenstackLab({ simulator: { now: () => clock.now() } });
    lab.simulator.seedDcmServers({ count: 3, tagged: 3 });
  });
  after(async () => {
    await bridge.stop();
    await lab.close();
  });

  /** Lets real I/O of a poll started by a fake timer finish (the fake clock stands still meanwhile). */
  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let round = 0; round < 500 && !condition(); round++) await sleep(10);
    assert.ok(condition(), `timed out waiting for ${what}`);
  }

  test('a 429 with Retry-After: 45 on a 10 s endpoint: the next poll is scheduled 45 s after the failure, not before', async () => {
    const started = await startOpenstackBridge(harness, [lab.endpointInput({ name, intervalSeconds: 10 })], { dependencies: { clock, logger } });
    bridge = started.bridge;
    await bridge.start();
    await clock.advance(0);
    await until(() => bridge.status(name)?.lastSuccessAt !== undefined, 'the first poll');
    assert.equal((await started.events(name)).length, 3);

    lab.simulator.faults.set([{ kind: 'throttle429', retryAfterSeconds: 45, scope: { route: listRoute }, trigger: { type: 'next', count: 1 } }]);
    await clock.advance(10_000);
    await until(() => bridge.status(name)?.lastError !== undefined, 'the throttled poll');
    const status = bridge.status(name);
    const failedAt = status?.lastError?.at ?? 0;
    const pollFailed = lines.map((line) => JSON.parse(line) as { msg: string; err?: { code: string; context: { retryAfterMs?: number } } }).find((line) => line.msg.startsWith('poll failed'));
    console.log(`throttled poll: error retryAfterMs ${String(pollFailed?.err?.context.retryAfterMs)}; next poll ${((status?.nextPollAt ?? 0) - failedAt) / 1000} s after the failure (interval 10 s, backoff 20 s)`);
    assert.equal(status?.lastError?.code, 'PLATFORM_THROTTLED');
    assert.equal(pollFailed?.err?.code, 'PLATFORM_THROTTLED');
    assert.ok((pollFailed?.err?.context.retryAfterMs ?? 0) >= 45_000, 'the error carries the advertised wait');
    assert.ok((status?.nextPollAt ?? 0) - failedAt >= 45_000, 'the bridge scheduled the next poll no sooner than Retry-After');

    const listsBefore = lab.simulator.stats().byRoute[listRoute];
    await clock.advance(44_000);
    await sleep(50);
    assert.equal(lab.simulator.stats().byRoute[listRoute], listsBefore, 'no poll inside the advertised wait');
    await clock.advance((status?.nextPollAt ?? 0) - clock.now());
    await until(() => (bridge.status(name)?.lastSuccessAt ?? 0) > failedAt, 'the poll after the wait');
    assert.equal(lab.simulator.stats().byRoute[listRoute], (listsBefore ?? 0) + 1);
    assert.equal((await started.events(name)).length, 3, 'no event from the throttled poll, none after it either');
  });
});
