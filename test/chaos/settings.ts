import type { RunForm, RunSettings } from './scenario.js';

/** The sizes of the two forms, before the environment's overrides. */
const forms: Readonly<Record<RunForm, Omit<RunSettings, 'seed'>>> = {
  // Inside `npm test`: every scenario in well under half a minute on a loaded 2-core machine.
  short: {
    form: 'short',
    instances: 120,
    changesPerSecond: 12,
    tuning: { intervalSeconds: 1, jitterRatio: 0.1, ackTimeoutSeconds: 2, backoffMaxSeconds: 3, pollTimeoutSeconds: 10 },
    convergeTimeoutMs: 45_000,
    quietIntervals: 3,
    artifactsDir: '.tmp/chaos/short',
  },
  // `npm run chaos`: tens of changes per second over a thousand instances.
  full: {
    form: 'full',
    instances: 1000,
    changesPerSecond: 40,
    tuning: { intervalSeconds: 2, jitterRatio: 0.1, ackTimeoutSeconds: 2, backoffMaxSeconds: 4, pollTimeoutSeconds: 30 },
    convergeTimeoutMs: 300_000,
    quietIntervals: 3,
    artifactsDir: '.tmp/chaos/full',
  },
};

/** A positive integer from the environment, or undefined when unset; anything else is an error naming the variable. */
function positiveInteger(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
  return Number(text);
}

/**
 * The settings of a run: the form's sizes, then `CHAOS_SEED` (default: a
 * fresh one, printed with the results so a failure can be replayed),
 * `CHAOS_TRIALS` (every scenario's trial count), `CHAOS_INSTANCES`,
 * `CHAOS_RATE` (changes per second) and `CHAOS_INTERVAL_SECONDS` (10 or
 * more runs the shipped CLI unchanged; below, the test entry with a lower
 * adapter floor).
 */
export function runSettings(form: RunForm, env: Readonly<Record<string, string | undefined>>): RunSettings {
  const base = forms[form];
  const interval = positiveInteger(env, 'CHAOS_INTERVAL_SECONDS');
  const trials = positiveInteger(env, 'CHAOS_TRIALS');
  return {
    ...base,
    seed: positiveInteger(env, 'CHAOS_SEED') ?? 1 + Math.floor(Math.random() * 2 ** 31),
    instances: positiveInteger(env, 'CHAOS_INSTANCES') ?? base.instances,
    changesPerSecond: positiveInteger(env, 'CHAOS_RATE') ?? base.changesPerSecond,
    ...(trials === undefined ? {} : { trials }),
    tuning: interval === undefined ? base.tuning : { ...base.tuning, intervalSeconds: interval, pollTimeoutSeconds: Math.max(base.tuning.pollTimeoutSeconds, interval * 3) },
  };
}

/** The names `CHAOS_SCENARIOS` selects (comma-separated), or undefined for all. */
export function selectedScenarios(env: Readonly<Record<string, string | undefined>>): ReadonlySet<string> | undefined {
  const text = env['CHAOS_SCENARIOS'];
  return text ? new Set(text.split(',').map((name) => name.trim()).filter(Boolean)) : undefined;
}

/** A scenario's own seed: the run's seed mixed with its name (FNV-1a), so one scenario replays alone. */
export function scenarioSeed(runSeed: number, name: string): number {
  let hash = 0x811c9dc5 ^ runSeed;
  for (const character of name) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193) >>> 0;
  return hash >>> 0;
}
