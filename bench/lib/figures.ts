import { median, type BenchResults, type PlatformRun, type StartupSamples } from './results.js';

/**
 * The goals of issue #12, as data: how each bridge figure is judged against
 * its floor. `ratio-*` compares bridge / floor, `difference-at-most` bridge −
 * floor, `value-at-most` the bridge figure alone (memory and start-up have
 * absolute goals); `reference` figures are shown with their ratio, unjudged.
 */
export type Goal =
  | { readonly kind: 'ratio-at-most'; readonly limit: number }
  | { readonly kind: 'ratio-at-least'; readonly limit: number }
  | { readonly kind: 'difference-at-most'; readonly limit: number }
  | { readonly kind: 'value-at-most'; readonly limit: number }
  | { readonly kind: 'reference' };

/** One figure of the table: how to read the bridge's value and its floor's from a run. */
export interface FigureDefinition<Source> {
  readonly id: string;
  readonly label: string;
  readonly unit: Unit;
  readonly bridge: (source: Source) => number;
  readonly floor: (source: Source) => number;
  /** What the floor is, for the table (`minimal client`, `AWS SDK paginator`). */
  readonly floorName: string;
  readonly goal: Goal;
  /** Only on these platforms (EC2's SDK floor). */
  readonly platforms?: readonly string[];
}

export type Unit = 'ms' | 'µs/VM' | 'events/s' | 'MB' | 's' | 'ms/1k';

export type Verdict = 'met' | 'not met' | 'reference' | 'no figure';

/** A row of the table, formatted, with the numbers the chart and tests use. */
export interface FigureRow {
  readonly scope: string;
  readonly platform: string;
  readonly vms: number;
  readonly figureId: string;
  readonly figure: string;
  readonly bridge: number;
  readonly floor: number;
  /** bridge / floor (NaN when either is missing). */
  readonly ratio: number;
  readonly goal: string;
  readonly verdict: Verdict;
}

function stormMemoryFloor(run: PlatformRun): number {
  return run.stormFloor && run.stormFloor.peakRssMb.length > 0 ? median(run.stormFloor.peakRssMb) : median(run.jetstreamFloor.peakRssMb);
}

/** The per-platform figures of #12's table, in the order they are printed. */
export const platformFigures: readonly FigureDefinition<PlatformRun>[] = [
  { id: 'steady-wall', label: 'steady poll / fetch floor', unit: 'ms', floorName: 'minimal client', bridge: (run) => median(run.steady.wallMs), floor: (run) => median(run.fetchFloor.wallMs), goal: { kind: 'ratio-at-most', limit: 1.3 } },
  {
    id: 'steady-wall-sdk',
    label: 'steady poll / AWS SDK paging',
    unit: 'ms',
    floorName: 'AWS SDK paginator',
    platforms: ['ec2'],
    bridge: (run) => median(run.steady.wallMs),
    floor: (run) => median(run.sdkFloor?.wallMs ?? []),
    goal: { kind: 'reference' },
  },
  { id: 'steady-cpu', label: 'CPU per unchanged VM', unit: 'µs/VM', floorName: 'minimal client', bridge: (run) => median(run.steady.cpuUsPerVm), floor: (run) => median(run.fetchFloor.cpuUsPerVm), goal: { kind: 'difference-at-most', limit: 5 } },
  {
    id: 'steady-cpu-stateful',
    label: 'CPU per unchanged VM / fetch floor remembering ids (one lookup a VM)',
    unit: 'µs/VM',
    floorName: 'minimal client keeping the ids it listed',
    bridge: (run) => median(run.steady.cpuUsPerVm),
    floor: (run) => median(run.statefulFloor?.cpuUsPerVm ?? []),
    goal: { kind: 'reference' },
  },
  {
    id: 'steady-cpu-sdk',
    label: 'CPU per unchanged VM / AWS SDK paging',
    unit: 'µs/VM',
    floorName: 'AWS SDK paginator',
    platforms: ['ec2'],
    bridge: (run) => median(run.steady.cpuUsPerVm),
    floor: (run) => median(run.sdkFloor?.cpuUsPerVm ?? []),
    goal: { kind: 'reference' },
  },
  { id: 'storm-rate', label: 'storm: events/s stored / JetStream floor', unit: 'events/s', floorName: 'minimal publisher', bridge: (run) => median(run.storm.eventsPerSecond), floor: (run) => median(run.jetstreamFloor.eventsPerSecond), goal: { kind: 'ratio-at-least', limit: 0.8 } },
  {
    id: 'storm-rate-pipeline',
    label: 'storm: events/s stored / storm floor (list, MGET, publish, MULTI)',
    unit: 'events/s',
    floorName: 'minimal storm pipeline',
    bridge: (run) => median(run.storm.eventsPerSecond),
    floor: (run) => median(run.stormFloor?.eventsPerSecond ?? []),
    goal: { kind: 'reference' },
  },
  {
    id: 'storm-floor-ceiling',
    label: 'storm floor / JetStream floor: where a bridge doing no work of its own would be',
    unit: 'events/s',
    floorName: 'minimal publisher',
    bridge: (run) => median(run.stormFloor?.eventsPerSecond ?? []),
    floor: (run) => median(run.jetstreamFloor.eventsPerSecond),
    goal: { kind: 'reference' },
  },
  { id: 'first-poll-rate', label: 'first poll (all new): events/s / JetStream floor', unit: 'events/s', floorName: 'minimal publisher', bridge: (run) => median(run.firstPoll.eventsPerSecond), floor: (run) => median(run.jetstreamFloor.eventsPerSecond), goal: { kind: 'ratio-at-least', limit: 0.8 } },
  { id: 'steady-rss', label: 'peak RSS, steady', unit: 'MB', floorName: 'minimal client', bridge: (run) => median(run.steady.peakRssMb), floor: (run) => median(run.fetchFloor.peakRssMb), goal: { kind: 'value-at-most', limit: 200 } },
  // A storm's memory is shown beside the storm floor's (listing, Redis and publishing), else the minimal publisher's (results from before the storm floor).
  { id: 'storm-rss', label: 'peak RSS, storm', unit: 'MB', floorName: 'minimal storm pipeline', bridge: (run) => median(run.storm.peakRssMb), floor: stormMemoryFloor, goal: { kind: 'value-at-most', limit: 200 } },
  { id: 'first-poll-rss', label: 'peak RSS, first poll', unit: 'MB', floorName: 'minimal storm pipeline', bridge: (run) => median(run.firstPoll.peakRssMb), floor: stormMemoryFloor, goal: { kind: 'value-at-most', limit: 200 } },
  { id: 'steady-redis', label: 'Redis time per 1,000 unchanged VMs / one MGET', unit: 'ms/1k', floorName: 'minimal client', bridge: (run) => median(run.steady.cacheMsPer1000), floor: (run) => run.redisFloor?.mgetMs ?? Number.NaN, goal: { kind: 'reference' } },
];

/** The start-up figures: the bridge with zero endpoints beside a bare Node HTTP server. */
export const startupFigures: readonly FigureDefinition<StartupSamples>[] = [
  { id: 'startup-cpu', label: 'start-up, nothing to do: CPU', unit: 's', floorName: 'bare Node HTTP server', bridge: (startup) => median(startup.bridgeCpuMs) / 1000, floor: (startup) => median(startup.floorCpuMs) / 1000, goal: { kind: 'value-at-most', limit: 0.5 } },
  { id: 'startup-rss', label: 'start-up, nothing to do: RSS', unit: 'MB', floorName: 'bare Node HTTP server', bridge: (startup) => median(startup.bridgeRssMb), floor: (startup) => median(startup.floorRssMb), goal: { kind: 'value-at-most', limit: 80 } },
];

/** The goal as the table states it. */
export function describeGoal(goal: Goal, unit: Unit): string {
  switch (goal.kind) {
    case 'ratio-at-most':
      return `≤ ${goal.limit}× floor`;
    case 'ratio-at-least':
      return `≥ ${Math.round(goal.limit * 100)} % of floor`;
    case 'difference-at-most':
      return `≤ floor + ${goal.limit} ${unit.replace('/VM', '')}`;
    case 'value-at-most':
      return `≤ ${goal.limit} ${unit}`;
    case 'reference':
      return 'reference';
  }
}

/** Whether a bridge figure meets its goal; `no figure` when a number is missing. */
export function judge(goal: Goal, bridge: number, floor: number): Verdict {
  if (goal.kind === 'reference') return Number.isFinite(bridge) && Number.isFinite(floor) ? 'reference' : 'no figure';
  if (!Number.isFinite(bridge)) return 'no figure';
  if (goal.kind === 'value-at-most') return bridge <= goal.limit ? 'met' : 'not met';
  if (!Number.isFinite(floor) || floor <= 0) return 'no figure';
  switch (goal.kind) {
    case 'ratio-at-most':
      return bridge / floor <= goal.limit ? 'met' : 'not met';
    case 'ratio-at-least':
      return bridge / floor >= goal.limit ? 'met' : 'not met';
    case 'difference-at-most':
      return bridge - floor <= goal.limit ? 'met' : 'not met';
  }
}

function row<Source>(definition: FigureDefinition<Source>, source: Source, scope: { platform: string; vms: number }): FigureRow {
  const bridge = definition.bridge(source);
  const floor = definition.floor(source);
  return {
    scope: scope.vms > 0 ? `${scope.platform} ${formatCount(scope.vms)}` : scope.platform,
    platform: scope.platform,
    vms: scope.vms,
    figureId: definition.id,
    figure: definition.label,
    bridge,
    floor,
    ratio: Number.isFinite(bridge) && Number.isFinite(floor) && floor > 0 ? bridge / floor : Number.NaN,
    goal: describeGoal(definition.goal, definition.unit),
    verdict: judge(definition.goal, bridge, floor),
  };
}

/** Every row of the results' table: per platform and size, then start-up. */
export function figureRows(results: BenchResults): FigureRow[] {
  const rows: FigureRow[] = [];
  for (const run of results.runs) {
    for (const definition of platformFigures) {
      if (definition.platforms && !definition.platforms.includes(run.platform)) continue;
      rows.push(row(definition, run, run));
    }
  }
  for (const definition of startupFigures) rows.push(row(definition, results.startup, { platform: 'start-up', vms: 0 }));
  return rows;
}

/** The unit of a row's figure. */
export function unitOf(figureId: string): Unit {
  return ([...platformFigures, ...startupFigures] as ReadonlyArray<FigureDefinition<never>>).find((definition) => definition.id === figureId)?.unit ?? 'ms';
}

/** 100000 → "100k", 1500 → "1.5k", 200 → "200". */
export function formatCount(count: number): string {
  if (count >= 1000) return `${Number((count / 1000).toFixed(1))}k`;
  return String(count);
}

/** A figure with its unit, at a precision fit for its size; `—` when missing. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${text} ${unit}`;
}

/** bridge / floor as `1.23×`, and for CPU per VM also the difference. */
export function formatRatio(row: FigureRow): string {
  if (!Number.isFinite(row.ratio)) return '—';
  const ratio = `${row.ratio.toFixed(2)}×`;
  return unitOf(row.figureId) === 'µs/VM' ? `${ratio} (${row.bridge - row.floor >= 0 ? '+' : '−'}${Math.abs(row.bridge - row.floor).toFixed(1)} µs)` : ratio;
}
