// How long a poll waited for its account's request budget (rateLimits.<platform>): booked per poll from the
// gate the bridge hands the adapter, shown in the status resource and the metrics, and warned about when the
// wait, not the platform, made most of the poll.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { PlatformAdapter } from '../../../src/adapter/index.js';
import { endpointStatusResource } from '../../../src/api/index.js';
import { createEndpointBook } from '../../../src/bridge/endpoint-book.js';
import { createBridge } from '../../../src/bridge/index.js';
import { createSystemClock } from '../../../src/clock/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { createMetrics } from '../../../src/metrics/index.js';
import { createTokenBucket, createWaitTimer, timedGate } from '../../../src/ratelimit/index.js';
import { createAdapterRegistry } from '../../../src/registry/index.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { createFileAdapter } from '../../support/file-adapter.js';
import { memoryLogger } from '../../support/harness.js';

test('a timed gate reports each stretch of waiting, granted or aborted, and passes drain through', async () => {
  const clock = createFakeClock();
  const bucket = createTokenBucket({ capacity: 1, refillPerSecond: 2 }, clock);
  const waits: number[] = [];
  const gate = timedGate(bucket, createWaitTimer(clock, (waitedMs) => waits.push(waitedMs)));
  await gate.take();
  const second = gate.take();
  await clock.advance(500);
  await second;
  assert.deepEqual(waits, [0, 500], 'the burst at once, the next after half a second of refill');

  const abort = new AbortController();
  const aborted = gate.take(abort.signal);
  await clock.advance(200);
  abort.abort(new Error('endpoint removed'));
  await assert.rejects(aborted, /endpoint removed/);
  assert.deepEqual(waits, [0, 500, 200], 'an aborted take still waited');

  await clock.advance(500);
  gate.drain();
  const afterDrain = gate.take();
  await clock.advance(499);
  assert.equal(waits.length, 3, 'drained: the take waits a whole refill');
  await clock.advance(1);
  await afterDrain;
  assert.deepEqual(waits, [0, 500, 200, 500]);
});

test('requests waiting together count once: a stretch ends when the last of them is let through', async () => {
  const clock = createFakeClock();
  const bucket = createTokenBucket({ capacity: 1, refillPerSecond: 2 }, clock);
  await bucket.take();
  const waits: number[] = [];
  const timer = createWaitTimer(clock, (waitedMs) => waits.push(waitedMs));
  // Two gates of one endpoint (two accounts' worth of requests, or one gate asked twice): one timer.
  const gates = [timedGate(bucket, timer), timedGate(bucket, timer)];
  const takes = [gates[0]?.take(), gates[1]?.take(), gates[0]?.take()];
  await clock.advance(1500);
  await Promise.all(takes);
  assert.deepEqual(waits, [1500], 'three requests waited 0.5, 1 and 1.5 s side by side: the endpoint was held 1.5 s, not 3 s');
});

/** A book with a captured logger; settlements are told their times, so no clock moves. */
function bookForTest() {
  const { logger, lines } = memoryLogger('warn');
  const metrics = createMetrics();
  const book = createEndpointBook({ clock: createFakeClock(), logger, metrics, health: undefined, heldDeletionsOf: () => undefined, maintenanceOf: () => undefined, onLeaseLost: () => undefined });
  book.open('nova');
  const poll = (startedAt: number, durationMs: number, waitsMs: readonly number[]): void => {
    book.beginPoll('nova');
    for (const waitedMs of waitsMs) {
      book.countRequest('nova', false);
      book.countRateLimitWait('nova', 'openstack', waitedMs);
    }
    book.settle({ name: 'nova', startedAt, finishedAt: startedAt + durationMs, consecutiveFailures: 0 });
  };
  const warnings = () => lines.filter((line) => line.includes('request budget')).map((line) => JSON.parse(line) as { msg: string; rateLimitWaitMs: number; pollDurationMs: number; platform: string });
  return { book, metrics, poll, warnings };
}

test('the book warns when a poll spent most of its time, and a second or more, waiting for its rate limit; once per quarter of an hour', async () => {
  const { book, metrics, poll, warnings } = bookForTest();
  const minute = 60_000;
  poll(0, 5000, [400, 500]);
  assert.equal(warnings().length, 0, '0.9 s of waiting: under the second');
  poll(minute, 5000, [800, 800]);
  assert.equal(warnings().length, 0, '1.6 s of a 5 s poll: the platform, not the limit, made most of it');
  poll(2 * minute, 3000, [0, 900, 900]);
  assert.equal(book.status('nova')?.lastPoll?.rateLimitWaitMs, 1800);
  assert.equal(book.status('nova')?.lastPoll?.requests, 3);
  const [warning] = warnings();
  assert.ok(warning, '1.8 s of a 3 s poll is warned about');
  assert.equal(warning.platform, 'openstack');
  assert.equal(warning.rateLimitWaitMs, 1800);
  assert.equal(warning.pollDurationMs, 3000);
  assert.match(warning.msg, /poll of nova spent 1\.8 s of its 3\.0 s waiting for its account's request budget \(rateLimits\.openstack\)/);

  poll(10 * minute, 3000, [2000]);
  assert.equal(warnings().length, 1, 'not again within 15 minutes');
  poll(2 * minute + 15 * minute, 3000, [2000]);
  assert.equal(warnings().length, 2, 'again after 15 minutes');

  const counted = await metrics.registry.getSingleMetricAsString('dcm_bridge_rate_limit_wait_seconds_total');
  assert.match(counted, /dcm_bridge_rate_limit_wait_seconds_total\{endpoint="nova"\} 8\.3\b/, "the metric adds up every wait: 0.9 + 1.6 + 1.8 + 2 + 2 s");
});

test('a bridge books the waits of the rate-limit gate it gives the adapter: the status resource shows them and the log warns', async () => {
  const file = createFileAdapter({ minimumIntervalSeconds: 1 });
  // Named openstack so that rateLimits.openstack applies; each poll asks for 6 tokens of a bucket of 1 at 4 per second.
  const limited: PlatformAdapter = {
    ...file,
    platform: 'openstack',
    connect(_endpoint, context) {
      const gate = context.rateLimit?.('project-a');
      return {
        async *list() {
          for (let request = 0; request < 6; request++) {
            await gate?.take();
            context.onRequest?.({ status: 200, throttled: false });
          }
          yield [{ platformId: 'vm-1', instanceId: 'inst-1', rawState: 'on' }];
        },
        confirmAbsence: async (platformIds) => new Map(platformIds.map((platformId) => [platformId, { verdict: 'gone', evidence: 'test' }] as const)),
        close: async () => undefined,
      };
    },
  };
  const adapters = createAdapterRegistry([file, limited]);
  const yaml = 'cache: { url: "" }\npublisher: { kind: stdout }\nrateLimits: { openstack: { requestsPerSecond: 4, burst: 1 } }\nendpoints:\n  - { name: nova, platform: openstack, file: unused, intervalSeconds: 1 }\n';
  const { config } = loadConfig({ yaml: { text: yaml, origin: 'test' }, env: {}, adapters });
  const { logger, lines } = memoryLogger('warn');
  const bridge = await createBridge(config, { adapters, clock: createSystemClock(), logger, stdout: new PassThrough() });
  try {
    await bridge.runOnce();
    const lastPoll = endpointStatusResource('nova', bridge.status('nova'))['last_poll'] as { requests: number; rate_limit_wait_seconds: number };
    assert.equal(lastPoll.requests, 6);
    // Five tokens at 4 per second: at least 1.25 s, whatever the machine's load.
    assert.ok(lastPoll.rate_limit_wait_seconds >= 1.2, `waited ${lastPoll.rate_limit_wait_seconds} s`);
    assert.ok(
      lines.some((line) => line.includes('poll of nova spent') && line.includes('rateLimits.openstack')),
      `the wait is warned about; the log:\n${lines.join('')}`,
    );
  } finally {
    await bridge.stop();
  }
});
