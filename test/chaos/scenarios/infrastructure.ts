import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dcmStream } from '../recorder.js';
import type { FaultContext, Scenario } from '../scenario.js';

/**
 * Waits for the moment of a fault: half the time right after an event is
 * published on `dcm.*` (the broker is storing or acknowledging it; the
 * bridge has not committed it), half the time at a random point of an interval.
 */
async function strikeMoment(context: FaultContext, label: string): Promise<void> {
  if (context.random() < 0.5 && (await context.afterNextEvent())) {
    context.note(`${label} right after an event was published`);
    return;
  }
  await context.sleep(context.between(0, 1.5) * context.settings.tuning.intervalSeconds * 1000);
  context.note(`${label} at a random moment`);
}

/** The bridge SIGKILLed at its strike moment and restarted after 0.2–2 s: one trial of `bridge-sigkill`, on any platform. */
export async function bridgeSigkillTrial(context: FaultContext): Promise<void> {
  await strikeMoment(context, 'SIGKILL');
  await context.bridge.kill();
  await context.sleep(context.between(200, 2000));
  await context.bridge.start();
}

/** Faults of the parts around the bridge: the bridge process itself, its broker and its cache. */
export const infrastructureScenarios: readonly Scenario[] = [
  {
    name: 'bridge-sigkill',
    summary: 'the bridge SIGKILLed at random moments, half of them right after an event reached the broker (between publish and commit), restarted after 0.2–2 s',
    trials: { short: 6, full: 50 },
    trial: bridgeSigkillTrial,
  },
  {
    name: 'nats-killed-in-storm',
    summary: 'a storm (3× the change rate) and nats-server SIGKILLed in it, restarted after 2–5 s with its JetStream store',
    trials: { short: 1, full: 5 },
    async trial(context) {
      const rate = context.settings.changesPerSecond;
      context.churn.setRate(rate * 3);
      await context.sleep(context.between(0.5, 1.5) * 1000);
      await strikeMoment(context, 'NATS SIGKILL');
      await context.nats.kill();
      await context.sleep(context.between(2000, 5000));
      await context.nats.start();
      context.churn.setRate(rate);
    },
  },
  {
    name: 'nats-down-past-duplicate-window',
    summary: `nats-server SIGKILLed right after an event, kept down past the stream's ${dcmStream.duplicateWindowMs / 1000} s duplicate window, then restarted`,
    trials: { short: 0, full: 1 },
    fullOnlyBecause: 'the outage alone takes over two minutes',
    async trial(context) {
      const rate = context.settings.changesPerSecond;
      await strikeMoment(context, 'NATS SIGKILL');
      await context.nats.kill();
      // A slower churn while the broker is away: the first list afterwards must not lose more than the mass-deletion guard's 20 %.
      context.churn.setRate(Math.max(1, Math.round(rate / 20)));
      await context.sleep(dcmStream.duplicateWindowMs + 10_000);
      await context.nats.start();
      context.churn.setRate(rate);
    },
  },
  {
    name: 'broker-ack-lost',
    summary: 'nats-server frozen (SIGSTOP) right after an event, past ackTimeoutSeconds, then thawed: it stores what it received, but the bridge stopped waiting for the ack',
    trials: { short: 3, full: 10 },
    async trial(context) {
      await context.afterNextEvent();
      context.nats.pause();
      await context.sleep((context.settings.tuning.ackTimeoutSeconds + context.between(0.5, 2)) * 1000);
      context.nats.resume();
    },
  },
  {
    name: 'redis-restart-with-data',
    summary: 'redis-server (append-only, fsync always) SIGKILLed at a random moment and restarted with all its data after 1–3 s',
    trials: { short: 1, full: 5 },
    redisPersistence: 'append-only',
    async trial(context) {
      await strikeMoment(context, 'Redis SIGKILL');
      await context.redis.kill();
      await context.sleep(context.between(1000, 3000));
      await context.redis.start();
    },
  },
  {
    name: 'redis-restart-empty',
    summary: 'redis-server SIGKILLed and restarted empty (its files removed) after 1–3 s',
    trials: { short: 1, full: 5 },
    async trial(context) {
      await strikeMoment(context, 'Redis SIGKILL');
      await context.redis.kill();
      for (const file of readdirSync(context.redis.dataDir)) rmSync(join(context.redis.dataDir, file), { recursive: true, force: true });
      await context.sleep(context.between(1000, 3000));
      await context.redis.start();
    },
  },
  {
    name: 'redis-older-snapshot',
    summary: 'redis-server snapshotted (SAVE), then 2–5 s of commits later SIGKILLed and restarted from that older snapshot',
    trials: { short: 1, full: 5 },
    async trial(context) {
      await context.redis.command('SAVE');
      await context.sleep(context.between(2000, 5000));
      await context.redis.kill();
      await context.sleep(context.between(500, 1500));
      await context.redis.start();
    },
  },
];
