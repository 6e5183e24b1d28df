import type { RandomSource } from '../../simulators/common/index.js';
import type { TruthLog } from '../truth.js';

/** A simulator's control API (`/_sim/...`) as the drivers call it: JSON in, JSON out, any status but 2xx an error naming the call. */
export type ControlCall = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<unknown>;

/** A {@link ControlCall} on the simulator at `baseUrl`. */
export function controlClient(baseUrl: string): ControlCall {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${method} ${path} answered ${response.status}: ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
}

/** One choice weighted against its siblings. */
export interface Weighted {
  readonly weight: number;
}

/** A choice drawn with probability proportional to its weight; undefined only for an empty list. */
export function pickWeighted<T extends Weighted>(choices: readonly T[], random: RandomSource): T | undefined {
  const total = choices.reduce((sum, choice) => sum + choice.weight, 0);
  let point = random() * total;
  for (const choice of choices) {
    point -= choice.weight;
    if (point < 0) return choice;
  }
  return choices.at(-1);
}

/** The DCM instance id of the n-th instance a run creates (`inst-00042`), as the simulators' seeds number them. */
export const instanceIdOf = (number: number): string => `inst-${String(number).padStart(5, '0')}`;

/** A state the estate starts in, for a share of the seeded instances. */
export interface SeedShare<S> {
  readonly share: number;
  readonly state: S;
}

/**
 * Splits `items` into the mix's groups, in order, by share of the whole
 * (rounded); the few rounding leaves out get the first entry's state.
 */
export function apportionSeedMix<Item, S>(items: readonly Item[], mix: readonly SeedShare<S>[]): Array<{ readonly item: Item; readonly state: S }> {
  const assigned: Array<{ item: Item; state: S }> = [];
  let position = 0;
  for (const { share, state } of mix) {
    for (const item of items.slice(position, position + Math.round(share * items.length))) assigned.push({ item, state });
    position = assigned.length;
  }
  const fallback = mix[0];
  if (fallback === undefined) throw new Error('a seed mix needs at least one state');
  for (const item of items.slice(position)) assigned.push({ item, state: fallback.state });
  return assigned;
}

/** A step of a state walk: to another state, or `deleted` (the vendor's delete/terminate has removed it). */
export interface WalkStep<S> extends Weighted {
  readonly to: S | 'deleted';
}

/** A managed instance the churn walks: its platform id, DCM id and the state the simulator last confirmed. */
export interface LiveInstance<S> {
  readonly platformId: string;
  readonly instanceId: string;
  state: S;
}

/** Options of {@link createStateWalker}. */
export interface StateWalkerOptions<S> {
  /** From each state (by {@link keyOf}), the steps the vendor's API lets a user take, with weights. */
  readonly steps: Readonly<Record<string, readonly WalkStep<S>[]>>;
  readonly keyOf: (state: S) => string;
  /** Share of changes that create an instance: about the share of steps that end in a deletion, so the estate keeps its size. */
  readonly creationShare: number;
  /** Creates an instance through the control API, records it in the truth and returns it. */
  create(truth: TruthLog): Promise<LiveInstance<S>>;
  /** Moves an instance to `to` through the control API and records the DCM status it now has. */
  move(instance: LiveInstance<S>, to: S | 'deleted', truth: TruthLog): Promise<void>;
}

/** The churn's side of a platform driver: the live instances and one random change at a time. */
export interface StateWalker<S> {
  /** Adds an instance the driver created outside {@link change} (the seed). */
  track(instance: LiveInstance<S>): void;
  /** Live instances by platform id. */
  readonly live: ReadonlyMap<string, LiveInstance<S>>;
  /** {@link ChaosPlatform.change}: a creation, or a step of a random instance not being changed already. */
  change(random: RandomSource, truth: TruthLog): Promise<boolean>;
  /**
   * Takes a random live instance that `accept` allows out of the churn until
   * {@link release} (a fault changes it alone); undefined when none is free.
   */
  hold(random: RandomSource, accept?: (instance: LiveInstance<S>) => boolean): LiveInstance<S> | undefined;
  /** Gives a held instance back to the churn (gone from it when its state was set to deleted meanwhile). */
  release(instance: LiveInstance<S>, deleted?: boolean): void;
}

/**
 * The state walk every driver runs, as data: `steps` says where each state
 * may go; creations keep the estate's size; one change at a time per
 * instance, so the truth's order is the simulator's.
 */
export function createStateWalker<S>(options: StateWalkerOptions<S>): StateWalker<S> {
  const live = new Map<string, LiveInstance<S>>();
  const busy = new Set<string>();

  const step = async (instance: LiveInstance<S>, random: RandomSource, truth: TruthLog): Promise<void> => {
    const target = pickWeighted(options.steps[options.keyOf(instance.state)] ?? [], random)?.to;
    if (target === undefined) throw new Error(`the churn has no step from state ${options.keyOf(instance.state)}`);
    await options.move(instance, target, truth);
    if (target === 'deleted') live.delete(instance.platformId);
    else instance.state = target;
  };

  return {
    track: (instance) => void live.set(instance.platformId, instance),
    live,
    hold(random, accept = () => true) {
      const free = [...live.values()].filter((instance) => !busy.has(instance.platformId) && accept(instance));
      const instance = free[Math.floor(random() * free.length)];
      if (instance) busy.add(instance.platformId);
      return instance;
    },
    release(instance, deleted = false) {
      if (deleted) live.delete(instance.platformId);
      busy.delete(instance.platformId);
    },
    async change(random, truth) {
      if (random() < options.creationShare || live.size === 0) {
        const created = await options.create(truth);
        live.set(created.platformId, created);
        return true;
      }
      const ids = [...live.keys()];
      for (let attempt = 0; attempt < 5; attempt++) {
        const instance = live.get(ids[Math.floor(random() * ids.length)] ?? '');
        if (instance === undefined || busy.has(instance.platformId)) continue;
        busy.add(instance.platformId);
        try {
          await step(instance, random, truth);
        } finally {
          busy.delete(instance.platformId);
        }
        return true;
      }
      return false;
    },
  };
}
