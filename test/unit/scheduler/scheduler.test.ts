import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createFakeClock, type FakeClock } from '../../support/fake-clock.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { createScheduler, type PollSettlement, type SchedulerOptions } from '../../../src/scheduler/index.js';

const silent = pino({ level: 'silent' });

function setup(overrides: Partial<SchedulerOptions> = {}) {
  const clock = createFakeClock();
  const settlements: PollSettlement[] = [];
  const scheduler = createScheduler({ clock, logger: silent, maxConcurrentPolls: 4, jitterRatio: 0, backoffMaxMs: 300_000, random: () => 0, onSettled: (settlement) => settlements.push(settlement), ...overrides });
  return { clock, scheduler, settlements };
}

/** A job that records its start times and takes `durationMs` of fake time. */
function timedJob(clock: FakeClock, name: string, intervalMs: number, durationMs: number, behaviour: (count: number) => void = () => undefined) {
  const starts: number[] = [];
  let running = 0;
  let maxRunning = 0;
  return {
    starts,
    maxRunning: () => maxRunning,
    job: {
      name,
      intervalMs,
      floorMs: 10_000,
      async run(signal: AbortSignal) {
        starts.push(clock.now());
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          await clock.sleep(durationMs, signal);
          behaviour(starts.length);
        } finally {
          running--;
        }
      },
    },
  };
}

test('polls every interval and never more often than the floor', async () => {
  const { clock, scheduler } = setup();
  const fast = timedJob(clock, 'fast', 10_000, 100);
  scheduler.add(fast.job);
  scheduler.start();
  await clock.advance(60_000);
  const gaps = fast.starts.slice(1).map((start, index) => start - (fast.starts[index] as number));
  assert.equal(fast.starts.length, 7, 'polls at 0, 10, … 60 s');
  assert.ok(gaps.every((gap) => gap >= 10_000), `gaps ${gaps.join(', ')}`);
  await scheduler.stop();
});

test('rejects a job whose interval is below its floor', () => {
  const { clock, scheduler } = setup();
  const job = timedJob(clock, 'too-fast', 5_000, 10).job;
  assert.throws(() => scheduler.add(job), (error: unknown) => error instanceof BridgeError && error.code === ErrorCode.ConfigInvalid);
});

test('a poll that outlasts its interval is not overlapped; the next starts when it ends', async () => {
  const { clock, scheduler } = setup();
  const slow = timedJob(clock, 'slow', 10_000, 25_000);
  scheduler.add(slow.job);
  scheduler.start();
  await clock.advance(100_000);
  assert.equal(slow.maxRunning(), 1, 'never two polls at once');
  assert.deepEqual(slow.starts.slice(0, 4), [clock.now() - 100_000, clock.now() - 75_000, clock.now() - 50_000, clock.now() - 25_000]);
  await scheduler.stop();
});

test('backoff grows and caps while polls fail, and resets after a success', async () => {
  const { clock, scheduler, settlements } = setup({ backoffMaxMs: 80_000 });
  const failing = timedJob(clock, 'failing', 10_000, 0, (count) => {
    if (count <= 5) throw new BridgeError(ErrorCode.PlatformHttp, 'HTTP 503', { status: 503 });
  });
  scheduler.add(failing.job);
  scheduler.start();
  await clock.advance(400_000);
  const gaps = failing.starts.slice(1, 7).map((start, index) => start - (failing.starts[index] as number));
  assert.deepEqual(gaps, [20_000, 40_000, 80_000, 80_000, 80_000, 10_000], 'doubling, capped at 80 s, back to the interval after the 6th poll succeeded');
  assert.deepEqual(settlements.slice(0, 6).map((settlement) => settlement.consecutiveFailures), [1, 2, 3, 4, 5, 0]);
  await scheduler.stop();
});

test('jitter delays within its bounds, never sooner', async () => {
  const randoms = [0.9, 0.1, 0.5, 0.99, 0.0, 0.7];
  let draw = 0;
  const { clock, scheduler } = setup({ jitterRatio: 0.2, random: () => randoms[draw++ % randoms.length] as number });
  const job = timedJob(clock, 'jittered', 20_000, 0);
  scheduler.add(job.job);
  scheduler.start();
  await clock.advance(200_000);
  const gaps = job.starts.slice(1).map((start, index) => start - (job.starts[index] as number));
  assert.ok(gaps.length >= 5);
  for (const gap of gaps) assert.ok(gap >= 20_000 && gap <= 24_000, `gap ${gap} within [20 s, 24 s]`);
  assert.ok(new Set(gaps).size > 1, 'the jitter actually varies');
  await scheduler.stop();
});

test('a retry-after hint from the platform is honoured', async () => {
  const { clock, scheduler } = setup();
  const throttled = timedJob(clock, 'throttled', 10_000, 0, (count) => {
    if (count === 1) throw new BridgeError(ErrorCode.PlatformThrottled, 'HTTP 429', { status: 429, retryAfterMs: 120_000 });
  });
  scheduler.add(throttled.job);
  scheduler.start();
  await clock.advance(200_000);
  assert.ok((throttled.starts[1] as number) - (throttled.starts[0] as number) >= 120_000, 'waited at least the advertised time');
  assert.equal((throttled.starts[2] as number) - (throttled.starts[1] as number), 10_000, 'back to normal after');
  await scheduler.stop();
});

test('the global concurrency limit holds across endpoints', async () => {
  const { clock, scheduler } = setup({ maxConcurrentPolls: 2 });
  let running = 0;
  let peak = 0;
  for (let index = 0; index < 5; index++) {
    scheduler.add({
      name: `endpoint-${index}`,
      intervalMs: 10_000,
      floorMs: 10_000,
      async run(signal) {
        running++;
        peak = Math.max(peak, running);
        await clock.sleep(3_000, signal).finally(() => running--);
      },
    });
  }
  scheduler.start();
  await clock.advance(60_000);
  assert.equal(peak, 2);
  await scheduler.stop();
});

test('stop aborts waiting, lets a running poll finish, and schedules nothing more', async () => {
  const { clock, scheduler } = setup();
  let finished = false;
  let aborted = false;
  scheduler.add({
    name: 'in-flight',
    intervalMs: 10_000,
    floorMs: 10_000,
    async run(signal) {
      signal.addEventListener('abort', () => (aborted = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    },
  });
  scheduler.start();
  await clock.advance(0);
  await scheduler.stop();
  assert.ok(aborted, 'the poll was told to stop listing');
  assert.ok(finished, 'stop waited for it');
  assert.equal(clock.pendingCount(), 0, 'nothing left scheduled');
});

test('remove stops one endpoint while others go on', async () => {
  const { clock, scheduler } = setup();
  const kept = timedJob(clock, 'kept', 10_000, 0);
  const removed = timedJob(clock, 'removed', 10_000, 0);
  scheduler.add(kept.job);
  scheduler.add(removed.job);
  scheduler.start();
  await clock.advance(15_000);
  await scheduler.remove('removed');
  const removedCount = removed.starts.length;
  await clock.advance(50_000);
  assert.equal(removed.starts.length, removedCount);
  assert.ok(kept.starts.length >= 6);
  await scheduler.stop();
});

test('a job waiting for a slot held by stuck polls is removed at once, its poll never run', async () => {
  const { clock, scheduler } = setup({ maxConcurrentPolls: 1 });
  // The stuck poll ignores its signal, as a platform call that never answers would until its timeout.
  let unstick!: () => void;
  const stuck = new Promise<void>((resolve) => (unstick = resolve));
  scheduler.add({ name: 'stuck', intervalMs: 10_000, floorMs: 10_000, run: () => stuck });
  let waitingRan = false;
  scheduler.add({ name: 'waiting', intervalMs: 10_000, floorMs: 10_000, run: async () => void (waitingRan = true) });
  scheduler.start();
  await clock.advance(0);
  assert.equal(scheduler.state('waiting')?.running, true, 'the second poll waits for the only slot');
  let removed = false;
  const removal = scheduler.remove('waiting').then(() => (removed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(removed, true, 'remove did not wait for the stuck poll to free the slot');
  await removal;
  unstick();
  await clock.advance(30_000);
  assert.equal(waitingRan, false, 'the removed job never polled, not even once the slot was free');
  await scheduler.stop();
});

test('a job remembered to have started recently waits one floor after that start (restart, replacement, PATCH)', async () => {
  const { clock, scheduler } = setup();
  const remembered = clock.now() - 3_000;
  const job = timedJob(clock, 'restarted', 30_000, 100);
  scheduler.add({ ...job.job, lastStartedAt: remembered });
  scheduler.start();
  await clock.advance(6_900);
  assert.deepEqual(job.starts, [], 'not before the floor has passed since the remembered start');
  await clock.advance(200);
  assert.deepEqual(job.starts, [remembered + 10_000], 'at the end of the floor, not a whole interval later');
});

test('a one-off run (`once`) honours the floor too: it waits, then polls', async () => {
  const { clock, scheduler } = setup();
  const remembered = clock.now() - 4_000;
  const job = timedJob(clock, 'cron-driven', 10_000, 100);
  scheduler.add({ ...job.job, lastStartedAt: remembered });
  const run = scheduler.runAllOnce();
  await clock.advance(5_000);
  assert.deepEqual(job.starts, [], 'still within the floor');
  await clock.advance(1_500);
  const settlements = await run;
  assert.deepEqual(job.starts, [remembered + 10_000]);
  assert.equal(settlements.length, 1);
  assert.equal(settlements[0]?.error, undefined);
});

test('a one-off run (`once`) given a signal that has already fired polls nothing', async () => {
  const { scheduler } = setup();
  let polled = false;
  scheduler.add({ name: 'interrupted', intervalMs: 10_000, floorMs: 10_000, run: async () => void (polled = true) });
  const settlements = await scheduler.runAllOnce(AbortSignal.abort(new Error('shutting down')));
  assert.equal(polled, false, 'the shutdown came before the round: no poll starts');
  assert.deepEqual(settlements, []);
});

test('expedite: a job backing off polls when a healthy one would (one interval after its last start), then every interval', async () => {
  const { clock, scheduler } = setup({ backoffMaxMs: 300_000 });
  let brokerDown = true;
  const job = timedJob(clock, 'after-broker', 20_000, 0, () => {
    if (brokerDown) throw new BridgeError(ErrorCode.PublishFailed, 'NATS down');
  });
  scheduler.add(job.job);
  scheduler.start();
  const begin = clock.now();
  await clock.advance(61_000);
  // Failed at 0, 40 and 120 s planned: 2 × 20, then 4 × 20 after the second failure.
  assert.deepEqual(job.starts.map((start) => start - begin), [0, 40_000]);
  assert.equal(scheduler.state('after-broker')?.nextRunAt, begin + 120_000);

  brokerDown = false;
  assert.equal(scheduler.expedite('after-broker'), begin + 61_000, 'one interval after the last start has passed: now');
  await clock.advance(0);
  assert.deepEqual(job.starts.map((start) => start - begin), [0, 40_000, 61_000]);
  assert.equal(scheduler.state('after-broker')?.consecutiveFailures, 0, 'the expedited poll succeeded');
  assert.equal(scheduler.expedite('after-broker'), undefined, 'a healthy job is not moved');
  await clock.advance(20_000);
  assert.deepEqual(job.starts.map((start) => start - begin), [0, 40_000, 61_000, 81_000], 'then it polls every interval again');
  await scheduler.stop();
});

test('expedite waits out the interval after the last start and a platform\'s retry-after hint; it never delays a poll', async () => {
  const { clock, scheduler } = setup({ backoffMaxMs: 300_000 });
  const failing = (error: () => BridgeError) => timedJob(clock, `job-${Math.random()}`, 30_000, 0, () => {
    throw error();
  });
  const plain = failing(() => new BridgeError(ErrorCode.PublishFailed, 'NATS down'));
  const hinted = failing(() => new BridgeError(ErrorCode.PlatformThrottled, 'slow down', { retryAfterMs: 100_000 }));
  for (const { job } of [plain, hinted]) scheduler.add(job);
  scheduler.start();
  const begin = clock.now();
  await clock.advance(1_000);
  assert.equal(scheduler.state(plain.job.name)?.nextRunAt, begin + 60_000);
  assert.equal(scheduler.expedite(plain.job.name), begin + 30_000, 'not before one interval after the failed start');
  assert.equal(scheduler.state(hinted.job.name)?.nextRunAt, begin + 100_000);
  assert.equal(scheduler.expedite(hinted.job.name), undefined, 'the platform asked for 100 s: nothing sooner');
  assert.equal(scheduler.expedite('no-such-job'), undefined);
  await clock.advance(29_000);
  assert.deepEqual(plain.starts.map((start) => start - begin), [0, 30_000]);
  assert.equal(scheduler.state(plain.job.name)?.nextRunAt, begin + 150_000, 'failed again: 4 intervals of backoff');
  assert.equal(scheduler.expedite(plain.job.name), begin + 60_000, 'moved to one interval after the new start');
  await scheduler.stop();
});

test('expedite never moves a poll into a pause: it goes to the pause\'s end when that is still sooner than planned', async () => {
  const { clock, scheduler } = setup({ backoffMaxMs: 300_000 });
  const begin = clock.now();
  const pause = { from: begin + 70_000, to: begin + 100_000 };
  const failing = timedJob(clock, 'paused', 10_000, 0, () => {
    throw new BridgeError(ErrorCode.PublishFailed, 'NATS down');
  });
  scheduler.add({ ...failing.job, pausedUntil: (at) => (at >= pause.from && at < pause.to ? pause.to : undefined) });
  scheduler.start();
  await clock.advance(65_000);
  assert.deepEqual(failing.starts.map((start) => start - begin), [0, 20_000, 60_000]);
  assert.equal(scheduler.state('paused')?.nextRunAt, begin + 140_000);
  assert.equal(scheduler.expedite('paused'), pause.to, 'one interval after 60 s is inside the pause: its end');
  await scheduler.stop();
});
