/**
 * What one `npm run bench` run measured (#12), as `bench/results/latest.json`
 * holds it: raw samples per platform and size, every figure kept as the list
 * of its repeats so medians can be taken again later. Pure data.
 */

/** The machine and settings the figures come from. */
export interface BenchContext {
  readonly command: string;
  readonly node: string;
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly sizes: readonly number[];
  readonly platforms: readonly string[];
  readonly repeats: number;
  readonly pageSize: number;
  /** How steady polls were paced: the shipped CLI at intervalSeconds 10, or the chaos suite's entry with a lowered floor. */
  readonly pacing: string;
  /** Other load the run shared the machine with, when known. */
  readonly note?: string;
  /** The phases run (`BENCH_PHASES`); absent in runs from before #14, which ran the floors only. */
  readonly phases?: readonly string[];
}

/** A phase that failed: the run went on without its figures. */
export interface PhaseFailure {
  readonly phase: string;
  readonly message: string;
}

/** Samples of one platform at one size; a phase that failed leaves its lists empty and adds a failure. */
export interface PlatformRun {
  readonly platform: string;
  readonly vms: number;
  /** Minimal client paging the same listing: wall ms and CPU µs per VM, one per repeat; peak RSS MB. */
  readonly fetchFloor: ListingSamples;
  /** EC2 only: the AWS SDK's own paginator on the same listing. */
  readonly sdkFloor?: ListingSamples;
  /** The minimal client keeping the ids it listed and looking each one up (bench/floors/fetch-floor.ts, `remember`). Absent in results written before it was measured. */
  readonly statefulFloor?: ListingSamples;
  /** The bridge's unchanged polls after the first. */
  readonly steady: BridgePollSamples;
  /** The bridge's first poll: every VM new to an empty cache. */
  readonly firstPoll: StormSamples;
  /** Every VM changed state at once through the simulator's control API, after steady state. */
  readonly storm: StormSamples;
  /** Minimal publisher storing as many events: events/s per repeat; its peak RSS MB. */
  readonly jetstreamFloor: { readonly eventsPerSecond: number[]; readonly peakRssMb: number[] };
  /** Minimal storm pipeline (list, MGET, publish, MULTI per page) on the same listing: events/s per repeat; its peak RSS MB. Absent in results written before it was measured. */
  readonly stormFloor?: { readonly eventsPerSecond: number[]; readonly peakRssMb: number[] };
  /** Minimal Redis client: ms per 1,000 keys. */
  readonly redisFloor?: { readonly mgetMs: number; readonly multiSetMs: number };
  /** Size of one of the bridge's stored events (message body) and cached records, bytes. */
  readonly eventBytes?: number;
  readonly recordBytes?: number;
  readonly failures: PhaseFailure[];
}

export interface ListingSamples {
  readonly wallMs: number[];
  readonly cpuUsPerVm: number[];
  readonly peakRssMb: number[];
}

export interface BridgePollSamples {
  readonly wallMs: number[];
  readonly cpuUsPerVm: number[];
  /** VmHWM over the steady polls (the high-water mark reset after the first poll). */
  readonly peakRssMb: number[];
  /** Redis commands (INFO commandstats) per 1,000 VMs of a steady poll. */
  readonly redisCommandsPer1000: number[];
  /** The bridge's own cache operation time (its histogram) per 1,000 VMs, ms. */
  readonly cacheMsPer1000: number[];
}

export interface StormSamples {
  /** Events the poll stored in the stream. */
  readonly events: number[];
  /** Events stored per second, from the stream's first to last storage time of the poll. */
  readonly eventsPerSecond: number[];
  readonly wallMs: number[];
  /** VmHWM over the poll (reset just before it). */
  readonly peakRssMb: number[];
  readonly cpuUsPerEvent: number[];
}

/** The bridge started with zero endpoints, beside a bare Node HTTP server. */
export interface StartupSamples {
  readonly bridgeCpuMs: number[];
  readonly bridgeRssMb: number[];
  readonly floorCpuMs: number[];
  readonly floorRssMb: number[];
  readonly failures: PhaseFailure[];
}

export interface BenchResults {
  readonly context: BenchContext;
  readonly startup: StartupSamples;
  readonly runs: readonly PlatformRun[];
  /** #14: steady polls listing in full beside listing incrementally, per platform and size. */
  readonly listingKinds?: readonly ListingKindRun[];
  /** #15: one set of endpoints polled by 1, then 2, then 3 replicas (cluster mode) on one Redis and NATS. */
  readonly replicas?: ReplicasRun;
}

/** One replica of a {@link ReplicaStep}, over the step's measuring window. */
export interface ReplicaReading {
  readonly replica: string;
  /** Poll reports it logged in the window. */
  readonly polls: number;
  /** Distinct endpoints among them. */
  readonly endpointsPolled: number;
  /** Its `dcm_bridge_owned_endpoints` at the window's end. */
  readonly ownedEndpoints: number;
  /** Process CPU in the window, ms (sched stats). */
  readonly cpuMs: number;
  /** VMs its polls listed (sum of the reports' `observed`). */
  readonly vmsListed: number;
}

/** The cluster at one replica count, measured over a fixed window once ownership settled. */
export interface ReplicaStep {
  readonly replicas: number;
  readonly windowSeconds: number;
  readonly perReplica: readonly ReplicaReading[];
  /** Redis process CPU (INFO cpu used_cpu_sys + used_cpu_user) in the window, ms. */
  readonly redisCpuMs: number;
  /** Redis commands in the window (INFO commandstats calls; the bench's own INFO calls subtracted). */
  readonly redisCommands: number;
  /** Redis network bytes in and out in the window (INFO stats total_net_input_bytes + total_net_output_bytes). */
  readonly redisNetBytes: number;
  /** nats-server and simulator process CPU in the window, ms (NaN when not found). */
  readonly natsCpuMs: number;
  readonly simulatorCpuMs: number;
  /** Endpoints polled by more than one replica in the window (0 is the promise). */
  readonly endpointsPolledByTwo: number;
  /** Endpoints nobody polled in the window. */
  readonly endpointsNotPolled: number;
}

/** #15 must-show 5: the replicas phase's setup and its steps. */
export interface ReplicasRun {
  readonly platform: string;
  readonly listing: string;
  readonly endpoints: number;
  readonly vmsPerEndpoint: number;
  readonly intervalSeconds: number;
  readonly windowSeconds: number;
  readonly steps: ReplicaStep[];
  readonly failures: PhaseFailure[];
}

/** The listing kinds a steady poll can use (#14): every managed instance, or what changed since the stored cursor. */
export type ListingKind = 'full' | 'incremental';

/** Steady polls of one listing kind in one situation, one entry per poll measured. */
export interface ListingPollSamples {
  /** Platform requests the simulator received during the poll. */
  readonly requests: number[];
  /** Bytes of the platform's answers on the wire (headers included), counted by a relay in front of the simulator. */
  readonly responseBytes: number[];
  /** Bytes of the bridge's requests on the wire. */
  readonly requestBytes: number[];
  /** Bridge CPU from the report of the poll before to this poll's report, ms (sched stats, ns resolution). */
  readonly cpuMs: number[];
  /** The poll's own `durationMs`. */
  readonly wallMs: number[];
  /** Instances the listing returned (the report's `observed`). */
  readonly listed: number[];
  readonly transitions: number[];
}

/** A listing kind's steady polls with nothing changed and with a few VMs changed before each poll. */
export interface ListingKindSamples {
  readonly unchanged: ListingPollSamples;
  readonly changed: ListingPollSamples;
}

/** One platform at one size, its steady polls listed in full (`diff.fullListSeconds: 0`) and, where the adapter can, incrementally. */
export interface ListingKindRun {
  readonly platform: string;
  /** What the endpoint lists through, for the table (`Nova servers/detail`, `vCenter Web Services API`). */
  readonly listing: string;
  readonly vms: number;
  /** VMs changed through the simulator's control API before each "changed" poll. */
  readonly changedPerPoll: number;
  /** `incremental` is absent for a platform that lists only in full (EC2). */
  readonly kinds: { readonly full: ListingKindSamples; readonly incremental?: ListingKindSamples };
  readonly failures: PhaseFailure[];
}

/** A run of {@link ListingKindRun} with every list empty, filled poll by poll. */
export function emptyListingKindRun(platform: string, listing: string, vms: number, changedPerPoll: number, incremental: boolean): ListingKindRun {
  const polls = (): ListingPollSamples => ({ requests: [], responseBytes: [], requestBytes: [], cpuMs: [], wallMs: [], listed: [], transitions: [] });
  const kind = (): ListingKindSamples => ({ unchanged: polls(), changed: polls() });
  return { platform, listing, vms, changedPerPoll, kinds: { full: kind(), ...(incremental ? { incremental: kind() } : {}) }, failures: [] };
}

/** Median of the samples; NaN for none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** An empty run, filled phase by phase. */
export function emptyRun(platform: string, vms: number): PlatformRun {
  const storm = (): StormSamples => ({ events: [], eventsPerSecond: [], wallMs: [], peakRssMb: [], cpuUsPerEvent: [] });
  return {
    platform,
    vms,
    fetchFloor: { wallMs: [], cpuUsPerVm: [], peakRssMb: [] },
    ...(platform === 'ec2' ? { sdkFloor: { wallMs: [], cpuUsPerVm: [], peakRssMb: [] } } : {}),
    statefulFloor: { wallMs: [], cpuUsPerVm: [], peakRssMb: [] },
    steady: { wallMs: [], cpuUsPerVm: [], peakRssMb: [], redisCommandsPer1000: [], cacheMsPer1000: [] },
    firstPoll: storm(),
    storm: storm(),
    jetstreamFloor: { eventsPerSecond: [], peakRssMb: [] },
    stormFloor: { eventsPerSecond: [], peakRssMb: [] },
    failures: [],
  };
}
