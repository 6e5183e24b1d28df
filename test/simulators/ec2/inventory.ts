import { createSeededRandom, type RandomSource } from '../common/index.js';
import type { InstanceFilter, InstanceIndex } from './filters.js';
import { INSTANCE_STATE_NAMES, LIFECYCLE, STATE_REASONS, isInstanceStateName, type Ec2Tag, type InstanceRecord, type InstanceStateName, type StateReason, type StateReasonName } from './model.js';

/** Why an inventory change was refused (answered as a 400/404 of the control API). */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly code: 'not_found' | 'invalid_argument' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** Tags as a list of pairs or as a `{ key: value }` object. */
export type TagInput = readonly Ec2Tag[] | Readonly<Record<string, string>>;

/** A reason given by name ({@link STATE_REASONS}) or in full; `null` clears it. */
export type StateReasonInput = StateReasonName | StateReason | null;

/** An instance to add; unset fields get realistic defaults (running, t3.micro, fresh `i-0…` and `r-0…` ids). */
export interface NewInstance {
  readonly instanceId?: string;
  /** Instances added with the same reservation id are listed in one reservation, as one RunInstances launch would be. */
  readonly reservationId?: string;
  readonly imageId?: string;
  readonly instanceType?: string;
  readonly availabilityZone?: string;
  readonly state?: InstanceStateName;
  readonly stateReason?: StateReasonInput;
  readonly tags?: TagInput;
  readonly launchTime?: Date;
}

/** Options of {@link Ec2Inventory.setState}. */
export interface SetStateOptions {
  /** Default: `pending` for pending, none for running, `userShutdown` for the stopping and terminating states. */
  readonly reason?: StateReasonInput;
  /** `reason` element text; default "User initiated (<time> GMT)" when stopping or terminating, else empty. */
  readonly transitionReason?: string;
}

/** Options of {@link Ec2Inventory.seedDcmInstances}. */
export interface SeedDcmOptions {
  /** Instances to create in all. */
  readonly count: number;
  /** How many of them (the first ones) DCM manages: `managedByKey=managedByValue` plus `instanceIdKey=inst-NNNNN`. */
  readonly tagged: number;
  readonly managedByKey?: string;
  readonly managedByValue?: string;
  readonly instanceIdKey?: string;
  readonly state?: InstanceStateName;
  /** Prefix of the `Name` tag every seeded instance gets. Default `vm`. */
  readonly namePrefix?: string;
}

/** One instance created by {@link Ec2Inventory.seedDcmInstances}. */
export interface SeededInstance {
  readonly instanceId: string;
  /** The DCM instance id (a DNS label such as `inst-00042`); absent for untagged instances. */
  readonly dcmInstanceId?: string;
}

/** One page of a query: matches after the cursor, in insertion order. */
export interface QueryPage {
  readonly instances: readonly InstanceRecord[];
  /** `seq` of the last instance returned, to continue after. */
  readonly lastSeq: number | undefined;
  /** True when more matches follow this page. */
  readonly more: boolean;
}

/** A query: filters (AND), an optional cache key naming them, the cursor and page size. */
export interface InstanceQuery {
  readonly filters: readonly InstanceFilter[];
  /** Equal keys mean equal filters; lets later pages reuse the first page's match list. */
  readonly cacheKey: string;
  readonly afterSeq?: number;
  /** Undefined: everything after the cursor. */
  readonly limit?: number;
}

/** Figures for the stats. */
export interface InventoryCounts {
  readonly instances: number;
  readonly byState: Readonly<Record<InstanceStateName, number>>;
  readonly matchCacheHits: number;
  readonly matchCacheMisses: number;
}

/** The simulated EC2 region's instances, with tag and state indexes. */
export interface Ec2Inventory {
  addInstance(input?: NewInstance): InstanceRecord;
  removeInstance(instanceId: string): boolean;
  getInstance(instanceId: string): InstanceRecord | undefined;
  setState(instanceId: string, state: InstanceStateName, options?: SetStateOptions): InstanceRecord;
  /** Moves one step along {@link LIFECYCLE}; refuses a terminated instance. */
  stepLifecycle(instanceId: string, options?: SetStateOptions): InstanceRecord;
  /** Sets the reason alone, e.g. `spotTermination` on a shutting-down instance. */
  setStateReason(instanceId: string, reason: StateReasonInput): InstanceRecord;
  /** Adds or overwrites tags (CreateTags semantics). */
  setTags(instanceId: string, tags: TagInput): InstanceRecord;
  removeTags(instanceId: string, keys: readonly string[]): InstanceRecord;
  seedDcmInstances(options: SeedDcmOptions): SeededInstance[];
  /** Runs a query; terminated instances past their retention are dropped first, instances not visible yet are left out. */
  query(query: InstanceQuery): QueryPage;
  /**
   * Eventual consistency: an instance launched from now on is not visible to DescribeInstances
   * until `seconds` after its `launchTime` (injected clock): left out of every query, and
   * `InvalidInstanceID.NotFound` when named. Each instance keeps the lag it was launched under,
   * so instances already visible never vanish and a later change (0 turns it off) does not
   * reveal early the ones still propagating.
   */
  setVisibilityLag(seconds: number): void;
  visibilityLagSeconds(): number;
  /** True when DescribeInstances can see the instance now: it exists and is past the visibility lag. */
  isVisible(instanceId: string): boolean;
  /** All listed instances, in insertion order (after dropping expired terminated ones). */
  list(): readonly InstanceRecord[];
  counts(): InventoryCounts;
  /** Empties the inventory and restarts the id generators. */
  clear(): void;
}

/** Options of {@link createInventory}. */
export interface InventoryOptions {
  readonly now: () => number;
  /** How long a terminated instance stays listed. EC2 documents "usually less than one hour". */
  readonly terminatedRetentionSeconds: number;
  readonly ownerId: string;
  readonly region: string;
  /** Seed of the id generator. */
  readonly seed: number;
  /** See {@link Ec2Inventory.setVisibilityLag}. Default 0. */
  readonly visibilityLagSeconds?: number;
}

const MATCH_CACHE_SIZE = 16;

function normalizeTags(input: TagInput | undefined): Ec2Tag[] {
  if (input === undefined) {
    return [];
  }
  const pairs = Array.isArray(input) ? (input as readonly Ec2Tag[]).map((tag) => [tag.key, tag.value] as const) : Object.entries(input as Readonly<Record<string, string>>);
  const merged = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (typeof key !== 'string' || key === '' || typeof value !== 'string') {
      throw new InventoryError('invalid_argument', 'tags must be non-empty string keys with string values');
    }
    merged.set(key, value);
  }
  return [...merged].map(([key, value]) => ({ key, value }));
}

function resolveReason(input: StateReasonInput | undefined): StateReason | undefined {
  if (input === undefined || input === null) {
    return undefined;
  }
  if (typeof input === 'string') {
    const known = (STATE_REASONS as Readonly<Record<string, StateReason>>)[input];
    if (known === undefined) {
      throw new InventoryError('invalid_argument', `unknown state reason "${input}"; use one of ${Object.keys(STATE_REASONS).join(', ')} or {code, message}`);
    }
    return known;
  }
  return input;
}

/** What a transition sets when the caller does not say: EC2 shows a user shutdown reason on stop/terminate and none once running. */
const DEFAULT_REASON: Readonly<Record<InstanceStateName, StateReasonName | null>> = {
  pending: 'pending',
  running: null,
  stopping: 'userShutdown',
  stopped: 'userShutdown',
  'shutting-down': 'userShutdown',
  terminated: 'userShutdown',
};

function userInitiated(now: number): string {
  return `User initiated (${new Date(now).toISOString().slice(0, 19).replace('T', ' ')} GMT)`;
}

/** Hex digits from the seeded RNG: 32 bits per draw. */
function randomHex(random: RandomSource, digits: number): string {
  let text = '';
  while (text.length < digits) {
    text += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  }
  return text.slice(0, digits);
}

/** Creates an empty inventory. */
export function createInventory(options: InventoryOptions): Ec2Inventory {
  let random = createSeededRandom(options.seed);
  let nextSeq = 1;
  let nextDcmNumber = 1;
  let generation = 0;
  let cacheHits = 0;
  let cacheMisses = 0;
  // Map iteration follows insertion, and replacing a record keeps its place, so this is seq order.
  let instances = new Map<string, InstanceRecord>();
  let byTag = new Map<string, Map<string, Set<string>>>();
  let byTagKey = new Map<string, Set<string>>();
  let byState = new Map<InstanceStateName, Set<string>>(INSTANCE_STATE_NAMES.map((state) => [state, new Set<string>()]));
  let terminated = new Set<string>();
  let matchCache = new Map<string, { readonly generation: number; readonly records: readonly InstanceRecord[] }>();
  let visibilityLagMs = 0;
  /** When each instance launched under a lag becomes visible (ms); forgotten once it is. */
  let visibleFrom = new Map<string, number>();
  const EMPTY: ReadonlySet<string> = new Set();

  /**
   * "Eventual consistency in the Amazon EC2 API" (EC2 developer guide): the result of a command
   * "might not be immediately visible to all subsequent commands"; describing an instance just
   * launched may answer that it does not exist (`InvalidInstanceID.NotFound`). Modelled as a lag
   * after `launchTime` during which DescribeInstances does not see the instance at all. The lag
   * is the new resource's propagation, so it is fixed when the instance is launched: a resource
   * that describe calls have returned is not hidden again by a later switch.
   */
  function visibleNow(record: InstanceRecord): boolean {
    const from = visibleFrom.get(record.instanceId);
    if (from === undefined) return true;
    if (from > options.now()) return false;
    visibleFrom.delete(record.instanceId);
    return true;
  }

  function setVisibilityLag(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new InventoryError('invalid_argument', 'the visibility lag must be a non-negative number of seconds');
    }
    visibilityLagMs = seconds * 1000;
  }
  setVisibilityLag(options.visibilityLagSeconds ?? 0);

  const index: InstanceIndex = {
    withTag: (key, value) => byTag.get(key)?.get(value) ?? EMPTY,
    withTagKey: (key) => byTagKey.get(key) ?? EMPTY,
    tagValues: (key) => byTag.get(key)?.keys() ?? [],
    tagKeys: () => byTagKey.keys(),
    inState: (state) => byState.get(state) ?? EMPTY,
  };

  function freshId(prefix: string, taken: (id: string) => boolean): string {
    for (;;) {
      // EC2's long ids: the prefix, then 17 hex digits; ours start with 0 like most real ones.
      const id = `${prefix}-0${randomHex(random, 16)}`;
      if (!taken(id)) {
        return id;
      }
    }
  }

  function indexRecord(record: InstanceRecord): void {
    for (const tag of record.tags) {
      let values = byTag.get(tag.key);
      if (values === undefined) {
        values = new Map();
        byTag.set(tag.key, values);
      }
      let ids = values.get(tag.value);
      if (ids === undefined) {
        ids = new Set();
        values.set(tag.value, ids);
      }
      ids.add(record.instanceId);
      let keyed = byTagKey.get(tag.key);
      if (keyed === undefined) {
        keyed = new Set();
        byTagKey.set(tag.key, keyed);
      }
      keyed.add(record.instanceId);
    }
    byState.get(record.state)?.add(record.instanceId);
    if (record.state === 'terminated') {
      terminated.add(record.instanceId);
    }
  }

  function unindexRecord(record: InstanceRecord): void {
    for (const tag of record.tags) {
      const values = byTag.get(tag.key);
      const ids = values?.get(tag.value);
      ids?.delete(record.instanceId);
      if (ids !== undefined && ids.size === 0) {
        values?.delete(tag.value);
      }
      const keyed = byTagKey.get(tag.key);
      keyed?.delete(record.instanceId);
      if (keyed !== undefined && keyed.size === 0) {
        byTagKey.delete(tag.key);
        byTag.delete(tag.key);
      }
    }
    byState.get(record.state)?.delete(record.instanceId);
    terminated.delete(record.instanceId);
  }

  function store(record: InstanceRecord): InstanceRecord {
    const previous = instances.get(record.instanceId);
    if (previous !== undefined) {
      unindexRecord(previous);
    }
    instances.set(record.instanceId, record);
    indexRecord(record);
    generation += 1;
    return record;
  }

  function existing(instanceId: string): InstanceRecord {
    sweepTerminated();
    const record = instances.get(instanceId);
    if (record === undefined) {
      throw new InventoryError('not_found', `instance ${instanceId} does not exist`);
    }
    return record;
  }

  /** Drops terminated instances past their retention; only the terminated set is visited. */
  function sweepTerminated(): void {
    const cutoff = options.now() - options.terminatedRetentionSeconds * 1000;
    for (const instanceId of terminated) {
      const record = instances.get(instanceId);
      if (record?.terminatedAt !== undefined && record.terminatedAt <= cutoff) {
        remove(instanceId);
      }
    }
  }

  function remove(instanceId: string): boolean {
    const record = instances.get(instanceId);
    if (record === undefined) {
      return false;
    }
    unindexRecord(record);
    instances.delete(instanceId);
    visibleFrom.delete(instanceId);
    generation += 1;
    return true;
  }

  function addInstance(input: NewInstance = {}): InstanceRecord {
    if (input.instanceId !== undefined && !/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(input.instanceId)) {
      throw new InventoryError('invalid_argument', `instanceId "${input.instanceId}" must be i- followed by 8 or 17 hex digits`);
    }
    if (input.instanceId !== undefined && instances.has(input.instanceId)) {
      throw new InventoryError('conflict', `instance ${input.instanceId} already exists`);
    }
    if (input.state !== undefined && !isInstanceStateName(input.state)) {
      throw new InventoryError('invalid_argument', `state must be one of ${INSTANCE_STATE_NAMES.join(', ')}`);
    }
    const seq = nextSeq;
    nextSeq += 1;
    const state = input.state ?? 'running';
    const now = options.now();
    const instanceId = input.instanceId ?? freshId('i', (id) => instances.has(id));
    const launchTime = input.launchTime ?? new Date(Math.floor(now / 1000) * 1000);
    if (visibilityLagMs > 0) visibleFrom.set(instanceId, launchTime.getTime() + visibilityLagMs);
    return store({
      instanceId,
      reservationId: input.reservationId ?? freshId('r', () => false),
      ownerId: options.ownerId,
      imageId: input.imageId ?? 'ami-0abcdef1234567890',
      instanceType: input.instanceType ?? 't3.micro',
      availabilityZone: input.availabilityZone ?? `${options.region}a`,
      privateIpAddress: `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`,
      launchTime,
      state,
      stateReason: resolveReason(input.stateReason === undefined ? DEFAULT_REASON[state] : input.stateReason),
      transitionReason: '',
      tags: normalizeTags(input.tags),
      ...(state === 'terminated' ? { terminatedAt: now } : {}),
      seq,
    });
  }

  function setState(instanceId: string, state: InstanceStateName, stateOptions: SetStateOptions = {}): InstanceRecord {
    if (!isInstanceStateName(state)) {
      throw new InventoryError('invalid_argument', `state must be one of ${INSTANCE_STATE_NAMES.join(', ')}`);
    }
    const record = existing(instanceId);
    if (record.state === 'terminated' && state !== 'terminated') {
      // EC2 never brings a terminated instance back.
      throw new InventoryError('conflict', `instance ${instanceId} is terminated`);
    }
    const now = options.now();
    const stopsOrEnds = state === 'stopping' || state === 'stopped' || state === 'shutting-down' || state === 'terminated';
    const { terminatedAt: _dropped, stateReason: _reason, ...rest } = record;
    const reason = resolveReason(stateOptions.reason === undefined ? DEFAULT_REASON[state] : stateOptions.reason);
    return store({
      ...rest,
      state,
      ...(reason === undefined ? {} : { stateReason: reason }),
      transitionReason: stateOptions.transitionReason ?? (stopsOrEnds ? userInitiated(now) : ''),
      ...(state === 'terminated' ? { terminatedAt: record.terminatedAt ?? now } : {}),
    });
  }

  function seedDcmInstances(seedOptions: SeedDcmOptions): SeededInstance[] {
    if (!Number.isInteger(seedOptions.count) || seedOptions.count < 0 || !Number.isInteger(seedOptions.tagged) || seedOptions.tagged < 0) {
      throw new InventoryError('invalid_argument', 'count and tagged must be non-negative integers');
    }
    const managedByKey = seedOptions.managedByKey ?? 'managed-by';
    const managedByValue = seedOptions.managedByValue ?? 'dcm';
    const instanceIdKey = seedOptions.instanceIdKey ?? 'dcm-instance-id';
    const namePrefix = seedOptions.namePrefix ?? 'vm';
    const seeded: SeededInstance[] = [];
    for (let number = 0; number < seedOptions.count; number += 1) {
      const name = `${namePrefix}-${String(nextSeq).padStart(5, '0')}`;
      if (number < seedOptions.tagged) {
        const dcmInstanceId = `inst-${String(nextDcmNumber).padStart(5, '0')}`;
        nextDcmNumber += 1;
        const record = addInstance({ state: seedOptions.state ?? 'running', tags: [{ key: 'Name', value: name }, { key: managedByKey, value: managedByValue }, { key: instanceIdKey, value: dcmInstanceId }] });
        seeded.push({ instanceId: record.instanceId, dcmInstanceId });
      } else {
        const record = addInstance({ state: seedOptions.state ?? 'running', tags: [{ key: 'Name', value: name }] });
        seeded.push({ instanceId: record.instanceId });
      }
    }
    return seeded;
  }

  function matchAll(filters: readonly InstanceFilter[]): InstanceRecord[] {
    let smallest: ReadonlySet<string> | undefined;
    for (const filter of filters) {
      const candidates = filter.candidates(index);
      if (candidates !== undefined && (smallest === undefined || candidates.size < smallest.size)) {
        smallest = candidates;
      }
    }
    const matches: InstanceRecord[] = [];
    if (smallest === undefined) {
      for (const record of instances.values()) {
        if (filters.every((filter) => filter.matches(record))) {
          matches.push(record);
        }
      }
      return matches;
    }
    for (const instanceId of smallest) {
      const record = instances.get(instanceId);
      if (record !== undefined && filters.every((filter) => filter.matches(record))) {
        matches.push(record);
      }
    }
    // Index sets follow tagging order, not launch order.
    return matches.sort((left, right) => left.seq - right.seq);
  }

  function query(request: InstanceQuery): QueryPage {
    sweepTerminated();
    let cached = matchCache.get(request.cacheKey);
    if (cached === undefined || cached.generation !== generation) {
      cacheMisses += 1;
      cached = { generation, records: matchAll(request.filters) };
      matchCache.delete(request.cacheKey);
      matchCache.set(request.cacheKey, cached);
      if (matchCache.size > MATCH_CACHE_SIZE) {
        const oldest = matchCache.keys().next().value;
        if (oldest !== undefined) {
          matchCache.delete(oldest);
        }
      }
    } else {
      cacheHits += 1;
    }
    const records = visibleFrom.size === 0 ? cached.records : cached.records.filter(visibleNow);
    let start = 0;
    if (request.afterSeq !== undefined) {
      // Binary search: the first record after the cursor, even if the cursor's own record is gone.
      let low = 0;
      let high = records.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((records[middle]?.seq ?? Infinity) <= request.afterSeq) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      start = low;
    }
    const end = request.limit === undefined ? records.length : Math.min(records.length, start + request.limit);
    const page = records.slice(start, end);
    return { instances: page, lastSeq: page[page.length - 1]?.seq ?? request.afterSeq, more: end < records.length };
  }

  return {
    addInstance,
    removeInstance: (instanceId) => {
      sweepTerminated();
      return remove(instanceId);
    },
    getInstance: (instanceId) => {
      sweepTerminated();
      return instances.get(instanceId);
    },
    setState,
    stepLifecycle: (instanceId, stateOptions) => {
      const record = existing(instanceId);
      const next = LIFECYCLE[LIFECYCLE.indexOf(record.state) + 1];
      if (next === undefined) {
        throw new InventoryError('conflict', `instance ${instanceId} is terminated; its lifecycle is over`);
      }
      return setState(instanceId, next, stateOptions);
    },
    setStateReason: (instanceId, reason) => {
      const { stateReason: _previous, ...rest } = existing(instanceId);
      const resolved = resolveReason(reason);
      return store(resolved === undefined ? rest : { ...rest, stateReason: resolved });
    },
    setTags: (instanceId, tags) => {
      const record = existing(instanceId);
      const merged = new Map(record.tags.map((tag) => [tag.key, tag.value]));
      for (const tag of normalizeTags(tags)) {
        merged.set(tag.key, tag.value);
      }
      return store({ ...record, tags: [...merged].map(([key, value]) => ({ key, value })) });
    },
    removeTags: (instanceId, keys) => {
      const record = existing(instanceId);
      return store({ ...record, tags: record.tags.filter((tag) => !keys.includes(tag.key)) });
    },
    seedDcmInstances,
    query,
    setVisibilityLag,
    visibilityLagSeconds: () => visibilityLagMs / 1000,
    isVisible: (instanceId) => {
      sweepTerminated();
      const record = instances.get(instanceId);
      return record !== undefined && visibleNow(record);
    },
    list: () => {
      sweepTerminated();
      return [...instances.values()];
    },
    counts: () => {
      sweepTerminated();
      const counted = Object.fromEntries(INSTANCE_STATE_NAMES.map((state) => [state, byState.get(state)?.size ?? 0])) as Record<InstanceStateName, number>;
      return { instances: instances.size, byState: counted, matchCacheHits: cacheHits, matchCacheMisses: cacheMisses };
    },
    clear: () => {
      random = createSeededRandom(options.seed);
      nextSeq = 1;
      nextDcmNumber = 1;
      generation += 1;
      cacheHits = 0;
      cacheMisses = 0;
      instances = new Map();
      byTag = new Map();
      byTagKey = new Map();
      byState = new Map(INSTANCE_STATE_NAMES.map((state) => [state, new Set<string>()]));
      terminated = new Set();
      matchCache = new Map();
      visibleFrom = new Map();
    },
  };
}
