import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSeededRandom, type RandomSource } from '../simulators/common/index.js';
import { startChurn, type Churn } from './churn.js';
import { crashSigns } from './crash-signs.js';
import { judge, streamConvergedAt, type Verdict } from './judge.js';
import { startOnCallOperator, type OnCallOperator } from './on-call-operator.js';
import { startOpenstackPlatform } from './platforms/openstack.js';
import { dcmStream, type DeliveredEvent } from './recorder.js';
import type { FaultContext, RunSettings, Scenario, ScenarioWatch } from './scenario.js';
import { scanForSecrets, type ScannedText, type SecretSighting } from './secret-scan.js';
import { scenarioSeed } from './settings.js';
import { startStack, type ChaosStack } from './stack.js';
import { createTruthLog, type TruthLog } from './truth.js';

/** What one scenario's run measured. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly trials: number;
  /** The scenario's own seed (derived from the run's seed and its name). */
  readonly seed: number;
  readonly verdict: Verdict;
  /** Crash signs of every bridge process, prefixed with the process's number. */
  readonly crashes: readonly string[];
  readonly secretSightings: readonly SecretSighting[];
  /** From the end of the last fault to DCM's view equalling the platform's; undefined when that did not happen in time. */
  readonly convergeMs: number | undefined;
  /** Failures of the simulator's control API: the run's truth is incomplete, so the run does not count. */
  readonly churnFailures: readonly string[];
  readonly notes: readonly string[];
  /** Where the run's stream, truth and bridge logs were written, for a closer look at its findings. */
  readonly artifactsDir: string;
  /** Faults made (blind windows opened and closed, and faults the bridge had to see through): at least one per trial, or the scenario did nothing. */
  readonly faultsMade: number;
  /** Bridge processes started (1 + the restarts). */
  readonly bridgeProcesses: number;
  /** What the scenario's own watch found wrong (see `Scenario.watch`); empty when it has none. */
  readonly watchMisses: readonly string[];
  readonly durationMs: number;
}

/** Why a result misses the issue's bar; empty when it passes. */
export function missedBar(result: ScenarioResult): string[] {
  const misses: string[] = [];
  const { verdict } = result;
  if (verdict.lost > 0) misses.push(`lost ${verdict.lost}`);
  if (verdict.duplicates > 0) misses.push(`duplicates ${verdict.duplicates}`);
  if (verdict.falseDeleted > 0) misses.push(`false DELETED ${verdict.falseDeleted}`);
  if (verdict.malformed > 0) misses.push(`malformed or unknown events ${verdict.malformed}`);
  if (result.crashes.length > 0) misses.push(`bridge crashes ${result.crashes.length}`);
  if (result.secretSightings.length > 0) misses.push(`secrets found ${result.secretSightings.length}`);
  if (result.convergeMs === undefined) misses.push('did not converge');
  if (result.churnFailures.length > 0) misses.push(`simulator control failures ${result.churnFailures.length}`);
  misses.push(...result.watchMisses);
  return misses;
}

/** Trials of `scenario` in this run's form (0: not in it). */
export function trialsOf(scenario: Scenario, settings: RunSettings): number {
  const planned = scenario.trials[settings.form];
  return planned === 0 ? 0 : (settings.trials ?? planned);
}

/**
 * Runs one scenario: a fresh stack, `instances` seeded and published, the
 * churn on, the trials with random pauses between them, then the churn
 * stopped, convergence awaited, the bridge stopped with SIGTERM, and the
 * stream, the logs, the metrics and the API output judged. An operator is on
 * call throughout (`on-call-operator.ts`): deletions the mass-deletion guard
 * holds are released once the platform bears them out, as the README's
 * runbook says; what the operator did is in the scenario's notes.
 */
export async function runScenario(scenario: Scenario, settings: RunSettings, log: (line: string) => void = () => undefined): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const seed = scenarioSeed(settings.seed, scenario.name);
  const random = createSeededRandom(seed);
  const trials = trialsOf(scenario, settings);
  const truth = createTruthLog();
  const notes: string[] = [];
  const stack = await startStack({
    platform: scenario.platform ?? (() => startOpenstackPlatform()),
    redisPersistence: scenario.redisPersistence ?? 'snapshot',
    tuning: settings.tuning,
  });
  let churn: Churn | undefined;
  let watch: ScenarioWatch | undefined;
  let operator: OnCallOperator | undefined;
  try {
    watch = await scenario.watch?.(stack, settings);
    await stack.platform.seed(settings.instances, truth);
    await stack.bridge.start();
    const texts: ScannedText[] = [];
    texts.push(await plantRegistration(stack));
    await waitFor(() => everyInstanceMatches(stack, truth), 60_000, `the bridge's first poll did not publish the ${settings.instances} seeded instances`);
    log(`${scenario.name}: ${settings.instances} instances published; churn at ${settings.changesPerSecond}/s, ${trials} trial(s), seed ${seed}`);

    operator = startOnCallOperator({
      apiUrl: () => stack.bridge.apiUrl(),
      endpoint: stack.platform.endpointName,
      readToken: stack.readToken,
      writeToken: stack.writeToken,
      truth,
      told: () => stack.recorder.liveLastStatus(),
    });
    churn = startChurn({ platform: stack.platform, truth, random, changesPerSecond: settings.changesPerSecond });
    const context = faultContext(stack, churn, truth, random, settings, notes);
    const [minPause, maxPause] = scenario.pauseIntervals ?? [1, 3];
    const intervalMs = settings.tuning.intervalSeconds * 1000;
    // A state held this long in sight is owed to DCM: one interval as the bridge schedules it (its jitter included), and a second for the poll.
    const requiredHoldMs = intervalMs * (1 + settings.tuning.jitterRatio) + 1000;
    for (let trial = 1; trial <= trials; trial++) {
      await sleep(context.between(minPause, maxPause) * intervalMs);
      await scenario.trial(context);
      if (!stack.bridge.isRunning() || !stack.nats.isRunning() || !stack.redis.isRunning()) throw new Error(`trial ${trial} of ${scenario.name} left a part stopped`);
    }
    // The churn goes on in the bridge's sight for a few holds after the last blind window closes: trials whose
    // blind windows cover the whole run would otherwise leave no earlier state to check.
    const lastBlindEnd = Math.max(0, ...stack.blindWindows().map((window) => window.to));
    if (Number.isFinite(lastBlindEnd)) await sleep(Math.max(0, lastBlindEnd + 3 * requiredHoldMs - Date.now()));
    await churn.stop();
    const faultsEndedAt = Date.now();

    await convergence(stack, truth, settings);
    await operator.stop();
    notes.push(...operator.actions());
    texts.push(...(await apiOutput(stack)));
    await stack.bridge.stop();
    const delivered = await stack.recorder.readStream();
    // Timed on the stream (its storage times), so the watcher's own lag after a broker restart is not counted.
    const convergedAt = streamConvergedAt(truth.history(), delivered);
    const convergeMs = convergedAt === undefined ? undefined : Math.max(0, convergedAt - faultsEndedAt);
    const converged = convergeMs !== undefined && convergeMs <= settings.convergeTimeoutMs;
    log(`${scenario.name}: ${churn.made()} changes made; ${converged ? `converged ${(convergeMs / 1000).toFixed(1)} s after the last fault` : 'did not converge'}`);
    texts.push(...stack.bridge.incarnations().flatMap((process, index) => [
      { source: `bridge process ${index + 1} stderr`, text: process.stderr() },
      { source: `bridge process ${index + 1} stdout`, text: process.stdout() },
    ]));
    texts.push({ source: `stream ${dcmStream.name}`, text: delivered.map((event: DeliveredEvent) => event.body).join('\n') });

    // The bridge logs this when a poll starts with events recorded but not committed: a fault struck between publish and commit.
    const outboxResends = stack.bridge.incarnations().reduce((count, process) => count + (process.stderr().match(/"msg":"resending events recorded but not committed before/g)?.length ?? 0), 0);
    notes.push(`${outboxResends} poll(s) began by resending an outbox (a fault between recording and committing); ${stack.bridge.incarnations().length} bridge process(es)`);

    const verdict = judge({
      truth: truth.history(),
      delivered,
      blindWindows: stack.blindWindows(),
      requiredHoldMs,
      duplicateWindowMs: dcmStream.duplicateWindowMs,
    });
    const watched = watch?.verdict({ truth: truth.history(), delivered }) ?? { misses: [], notes: [] };
    notes.push(...watched.notes);
    const artifactsDir = join(settings.artifactsDir, scenario.name);
    writeArtifacts(artifactsDir, truth, delivered, stack);
    return {
      scenario: scenario.name,
      trials,
      seed,
      verdict,
      crashes: stack.bridge.incarnations().flatMap((process, index) => crashSigns(process).map((sign) => `process ${index + 1}: ${sign}`)),
      secretSightings: scanForSecrets(texts, stack.secrets),
      convergeMs: converged ? convergeMs : undefined,
      churnFailures: churn.failures(),
      notes,
      artifactsDir,
      faultsMade: stack.blindWindows().length + stack.sightedFaults(),
      bridgeProcesses: stack.bridge.incarnations().length,
      watchMisses: watched.misses,
      durationMs: Date.now() - startedAt,
    };
  } finally {
    await operator?.stop();
    await churn?.stop();
    await watch?.dispose();
    await stack.dispose();
  }
}

/** The helpers a trial gets; each stop of a part opens a blind window, each start closes it. */
function faultContext(stack: ChaosStack, churn: Churn, truth: TruthLog, random: RandomSource, settings: RunSettings, notes: string[]): FaultContext {
  const tracked = (key: string, kill: (signal: 'SIGKILL' | 'SIGTERM') => Promise<void>, start: () => Promise<void>) => ({
    async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') {
      stack.blindFrom(key);
      await kill(signal);
    },
    async start() {
      await start();
      stack.blindUntilRecovered(key);
    },
  });
  const freezable = (key: string, server: ChaosStack['nats']) => ({
    ...tracked(key, (signal) => server.kill(signal), () => server.start()),
    pause() {
      stack.blindFrom(`${key} frozen`);
      server.pause();
    },
    resume() {
      server.resume();
      stack.blindUntilRecovered(`${key} frozen`);
    },
  });
  return {
    random,
    settings,
    stack,
    churn,
    truth,
    bridge: tracked('bridge', (signal) => (signal === 'SIGKILL' ? stack.bridge.kill() : stack.bridge.stop()), () => stack.bridge.start()),
    nats: freezable('nats', stack.nats),
    redis: { ...freezable('redis', stack.redis), command: (...args) => stack.redis.command(...args), dataDir: stack.redis.dataDir },
    between: (min, max) => min + random() * (max - min),
    sleep: (ms) => sleep(ms),
    async afterNextEvent(timeoutMs = 10_000) {
      return stack.recorder.nextPublished(timeoutMs);
    },
    note: (text) => void notes.push(text),
  };
}

/** True when DCM's live view of every instance equals the platform's (an instance DCM never heard of may be gone). */
function everyInstanceMatches(stack: ChaosStack, truth: TruthLog): boolean {
  const told = stack.recorder.liveLastStatus();
  for (const instanceId of truth.history().keys()) {
    const platform = truth.current(instanceId);
    const dcm = told.get(instanceId);
    if (dcm !== platform && !(dcm === undefined && platform === 'DELETED')) return false;
  }
  return true;
}

/**
 * Waits until DCM's view equals the platform's (bounded), then until the
 * stream has been quiet for `quietIntervals` intervals, so late events are
 * judged too. Returns when the watcher first saw the views match, or undefined.
 */
async function convergence(stack: ChaosStack, truth: TruthLog, settings: RunSettings): Promise<number | undefined> {
  const deadline = Date.now() + settings.convergeTimeoutMs;
  let convergedAt: number | undefined;
  while (Date.now() < deadline) {
    if (everyInstanceMatches(stack, truth)) {
      convergedAt = Date.now();
      break;
    }
    await sleep(100);
  }
  const quietMs = settings.quietIntervals * settings.tuning.intervalSeconds * 1000;
  const quietDeadline = Date.now() + settings.convergeTimeoutMs;
  while (Date.now() - Math.max(stack.recorder.lastPublishedAt(), convergedAt ?? 0) < quietMs && Date.now() < quietDeadline) await sleep(100);
  return convergedAt;
}

async function waitFor(condition: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(failure);
    await sleep(100);
  }
}

/**
 * Registers a second endpoint over the API with a planted password the
 * platform refuses: its answer and its failing polls' logs are scanned, and
 * the real endpoint must not be held up by it.
 */
async function plantRegistration(stack: ChaosStack): Promise<ScannedText> {
  const authUrl = /url: (\S+)/.exec(stack.platform.endpointYaml(stack.tuning.intervalSeconds))?.[1] ?? '';
  const response = await fetch(`${stack.bridge.apiUrl()}/api/v1alpha1/endpoints?id=refused-${stack.platform.platform}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.writeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      platform: stack.platform.platform,
      url: authUrl,
      interval_seconds: stack.tuning.intervalSeconds,
      ...stack.platform.refusedRegistration(stack.registrationPassword),
    }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`registering the refused endpoint answered ${response.status}: ${text}`);
  return { source: 'POST /api/v1alpha1/endpoints', text };
}

/** Every read the API offers, with the read token and without one, for the secret scan. */
async function apiOutput(stack: ChaosStack): Promise<ScannedText[]> {
  const base = stack.bridge.apiUrl();
  const paths = ['/api/v1alpha1/endpoints', `/api/v1alpha1/endpoints/${stack.platform.endpointName}`, `/api/v1alpha1/endpoints/${stack.platform.endpointName}/status`, `/api/v1alpha1/endpoints/refused-${stack.platform.platform}/status`, '/api/v1alpha1/vms?max_page_size=100', '/api/v1alpha1/vms/health', '/health', '/readyz', '/metrics'];
  const texts: ScannedText[] = [];
  for (const path of paths) {
    for (const token of [stack.readToken, undefined]) {
      const response = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      texts.push({ source: `GET ${path} (${token ? 'read token' : 'no token'}) ${response.status}`, text: await response.text() });
    }
  }
  return texts;
}

/**
 * Keeps what a finding is checked against: the stream as DCM read it (one
 * JSON line per event), the truth per instance, the blind windows and every
 * bridge process's log.
 */
function writeArtifacts(dir: string, truth: TruthLog, delivered: readonly DeliveredEvent[], stack: ChaosStack): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'stream.jsonl'), delivered.map(({ body: _body, ...event }) => JSON.stringify(event)).join('\n') + '\n');
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(Object.fromEntries(truth.history()), null, 1));
  writeFileSync(join(dir, 'blind-windows.json'), JSON.stringify(stack.blindWindows()));
  stack.bridge.incarnations().forEach((process, index) => writeFileSync(join(dir, `bridge-${index + 1}.log`), process.stderr()));
}
