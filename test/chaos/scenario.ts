import type { RandomSource } from '../simulators/common/index.js';
import type { Churn } from './churn.js';
import type { RedisPersistence } from './infrastructure.js';
import type { ChaosPlatform } from './platforms/platform.js';
import type { DeliveredEvent } from './recorder.js';
import type { TruthLog, TruthState } from './truth.js';
import type { BridgeTuning, ChaosStack } from './stack.js';

/** The two sizes of a run: `short` inside `npm test`, `full` with `npm run chaos`. */
export type RunForm = 'short' | 'full';

/** Everything a run's size decides. */
export interface RunSettings {
  readonly form: RunForm;
  /** Seed of the churn and the fault choices (`CHAOS_SEED`); each scenario derives its own from it and its name. */
  readonly seed: number;
  /** DCM-managed instances seeded before the churn begins. */
  readonly instances: number;
  /** Platform changes per second while faults are made. */
  readonly changesPerSecond: number;
  readonly tuning: BridgeTuning;
  /** Overrides every scenario's trial count (`CHAOS_TRIALS`). */
  readonly trials?: number;
  /** Longest wait, after the last fault, for DCM's view to equal the platform's. */
  readonly convergeTimeoutMs: number;
  /** After convergence, this many intervals without an event end the run (late events are judged too). */
  readonly quietIntervals: number;
  /** Each scenario's stream, truth and bridge logs go to `<artifactsDir>/<scenario>/`. */
  readonly artifactsDir: string;
}

/**
 * A part of the stack a fault acts on. Each call marks when the bridge
 * could not see the platform (from the fault until the part works again
 * and the bridge had time to poll), so the judge does not ask for states
 * nobody could have seen.
 */
export interface FaultTarget {
  /** SIGKILL (default) or SIGTERM; the process is gone until {@link start}. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  start(): Promise<void>;
}

/** A server part that can also be frozen (SIGSTOP) with its port open. */
export interface FreezableTarget extends FaultTarget {
  pause(): void;
  resume(): void;
}

/** What a scenario's trial works with. */
export interface FaultContext {
  readonly random: RandomSource;
  readonly settings: RunSettings;
  readonly stack: ChaosStack;
  readonly churn: Churn;
  /** What the platform really did: a fault that changes instances itself (a platform lie) records it here. */
  readonly truth: TruthLog;
  readonly bridge: FaultTarget;
  readonly nats: FreezableTarget;
  readonly redis: FreezableTarget & {
    /** A `redis-cli` command on the bridge's Redis (`SAVE`, `DBSIZE`). */
    command(...args: string[]): Promise<string>;
    /** Where Redis keeps `dump.rdb` and the append-only files. */
    readonly dataDir: string;
  };
  /** A uniform random number in [min, max). */
  between(min: number, max: number): number;
  sleep(ms: number): Promise<void>;
  /** Resolves once the next event is published on `dcm.*` (true), or after `timeoutMs` without one (false). */
  afterNextEvent(timeoutMs?: number): Promise<boolean>;
  /** A line in the report about what this trial did. */
  note(text: string): void;
}

/**
 * One fault scenario, as data plus one function: its name, its trial counts
 * per form, what the stack needs, and `trial`, which makes one fault and
 * ends it. The runner starts the stack and the churn, runs the trials with
 * a random pause between them, lets the bridge converge and judges.
 */
export interface Scenario {
  /** Kebab-case name: the table's row, `CHAOS_SCENARIOS` selects by it. */
  readonly name: string;
  /** One sentence for the report: the fault and when it strikes. */
  readonly summary: string;
  /** Trials per form; 0 leaves the scenario out of that form. */
  readonly trials: { readonly short: number; readonly full: number };
  /** How Redis keeps its data; default `snapshot` (only what `SAVE` wrote survives a restart). */
  readonly redisPersistence?: RedisPersistence;
  /** The platform the run churns; default the OpenStack simulator. */
  readonly platform?: () => Promise<ChaosPlatform>;
  /** Pause between trials, in intervals, with the churn on; default [1, 3]. */
  readonly pauseIntervals?: readonly [number, number];
  /** Why the scenario is not in the short form, when it is not. */
  readonly fullOnlyBecause?: string;
  /** Makes one fault and ends it: every part it stopped must run again when it returns. */
  trial(context: FaultContext): Promise<void>;
  /**
   * Watches the run for what the judge does not see (the listing cursor a
   * bridge stores against what DCM's stream holds): started on the stack
   * before the bridge, asked for its verdict on the stream read at the end.
   */
  readonly watch?: (stack: ChaosStack, settings: RunSettings) => Promise<ScenarioWatch>;
}

/** A scenario's own checks beside the judge's. */
export interface ScenarioWatch {
  /** What it found on the whole run: `misses` fail the bar (one line each), `notes` go to the report. */
  verdict(input: { readonly truth: ReadonlyMap<string, readonly TruthState[]>; readonly delivered: readonly DeliveredEvent[] }): { readonly misses: readonly string[]; readonly notes: readonly string[] };
  dispose(): Promise<void>;
}
