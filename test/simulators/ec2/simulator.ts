import { randomUUID } from 'node:crypto';
import { createSimulatorServer, type FaultSpec, type FaultSwitch, type FaultTrigger, type RunningServer, type SimulatorStats, type StartOptions } from '../common/index.js';
import { ec2ControlRoutes } from './control-routes.js';
import type { DescribeFault } from './describe-faults.js';
import { createEc2ApiState, ec2Routes, type Ec2Credential, type UsageCounts } from './ec2-routes.js';
import { kitErrorResponse } from './errors.js';
import { createInventory, type Ec2Inventory, type SeedDcmOptions, type SeededInstance } from './inventory.js';
import { createNextTokenCodec } from './next-token.js';

/**
 * The test key pair accepted unless told otherwise: AWS's documented example keys.
 * Not a secret: a fixture.
 */
export const DEFAULT_CREDENTIALS: Ec2Credential = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** Options of {@link createEc2Simulator}; every one has a default. */
export interface Ec2SimulatorOptions {
  /** Accepted key pairs. Default `[DEFAULT_CREDENTIALS]`. */
  readonly credentials?: readonly Ec2Credential[];
  /** Region requests must be signed for. Default `us-east-1`. */
  readonly region?: string;
  /** Account id shown as `ownerId`. Default `123456789012`. */
  readonly ownerId?: string;
  /** Clock in ms: signature skew, terminated-instance expiry, `Date` headers. Default `Date.now`. */
  readonly now?: () => number;
  /** How long terminated instances stay listed. Default 3600 (EC2: "usually less than one hour"). */
  readonly terminatedRetentionSeconds?: number;
  /** How long after launch an instance stays invisible to DescribeInstances (eventual consistency). Default 0. */
  readonly visibilityLagSeconds?: number;
  /** Seed of ids, NextToken MACs and the fault RNG. Default 1. */
  readonly seed?: number;
  /** How latency faults wait. Default a real timer. */
  readonly delay?: (milliseconds: number) => Promise<void>;
  /** Request id generator. Default random UUIDs, as EC2's. */
  readonly newRequestId?: () => string;
  /**
   * Answer a known key with a wrong signature with a verbose `SignatureDoesNotMatch` (403) that
   * quotes the key id, the signature, the string to sign and the canonical request, as AWS's Query
   * services, S3 and EC2-compatible endpoints do, instead of EC2's `AuthFailure`. Default false.
   */
  readonly verboseSignatureErrors?: boolean;
}

/** A simulated EC2 Query API endpoint, driven in process or over `/_sim/`. */
export interface Ec2Simulator {
  /** Starts listening (default `http://127.0.0.1:<free port>`); pass `tls` for HTTPS. */
  start(options?: StartOptions): Promise<RunningServer>;
  close(): Promise<void>;
  /** The first accepted key pair. */
  readonly credentials: Ec2Credential;
  readonly region: string;
  readonly inventory: Ec2Inventory;
  /** The kit's fault switches; see {@link ec2Fault} for EC2's own errors. */
  readonly faults: FaultSwitch;
  /** Kit counts plus `platform`: `instances`, `byState`, `actions`, `accessKeys`, `errors`, match cache figures. */
  stats(): SimulatorStats;
  /** Zeroes the kit's counters and the per-action, per-key and per-error counts. */
  resetStats(): void;
  /** Clears faults (kit and describe faults), counters, the AuthFailure switch, the visibility lag (back to the option) and the inventory. */
  reset(): void;
  /** Shortcut of `inventory.seedDcmInstances`. */
  seedDcmInstances(options: SeedDcmOptions): SeededInstance[];
  /** While on, every request answers `AuthFailure` (401), as after a key is revoked. */
  setAuthFailure(enabled: boolean): void;
  /**
   * Arms faults on DescribeInstances answers, e.g. `{ page: 2, answer: 'html' }`: the second page of
   * the next paged call is a proxy's HTML page (see `DESCRIBE_FAULT_ANSWERS`).
   */
  failDescribe(...faults: readonly DescribeFault[]): void;
  /** Disarms every describe fault. */
  clearDescribeFaults(): void;
  /** See `Ec2Inventory.setVisibilityLag`: newly launched instances stay invisible for `seconds`. */
  setVisibilityLag(seconds: number): void;
  /** Per-action, per-key and per-error counts. */
  usage(): UsageCounts;
}

/** EC2 errors a fault can produce, as the kit fault that yields each (see `kitErrorResponse`). */
const EC2_FAULTS = {
  RequestLimitExceeded: (trigger: FaultTrigger): FaultSpec => ({ kind: 'throttle429', trigger }),
  Unavailable: (trigger: FaultTrigger): FaultSpec => ({ kind: 'http5xx', status: 503, trigger }),
  InternalError: (trigger: FaultTrigger): FaultSpec => ({ kind: 'http5xx', status: 500, trigger }),
} as const;

/** An EC2 error a fault can produce. */
export type Ec2FaultCode = keyof typeof EC2_FAULTS;

/**
 * The kit fault that makes the simulator answer an EC2 error: `RequestLimitExceeded`
 * (503, what EC2 throttling looks like), `Unavailable` (503) or `InternalError` (500).
 * Over HTTP, the same is `{"kind": "throttle429"}` / `{"kind": "http5xx", "status": 503}`.
 */
export function ec2Fault(code: Ec2FaultCode, trigger: FaultTrigger = { type: 'always' }): FaultSpec {
  return EC2_FAULTS[code](trigger);
}

/** Creates an EC2 simulator with no instances. */
export function createEc2Simulator(options: Ec2SimulatorOptions = {}): Ec2Simulator {
  const credentials = options.credentials ?? [DEFAULT_CREDENTIALS];
  const firstCredentials = credentials[0];
  if (firstCredentials === undefined) {
    throw new Error('credentials must name at least one key pair');
  }
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const seed = options.seed ?? 1;
  const newRequestId = options.newRequestId ?? randomUUID;
  const visibilityLagSeconds = options.visibilityLagSeconds ?? 0;
  const inventory = createInventory({ now, terminatedRetentionSeconds: options.terminatedRetentionSeconds ?? 3600, ownerId: options.ownerId ?? '123456789012', region, seed, visibilityLagSeconds });
  const state = createEc2ApiState();
  const server = createSimulatorServer({
    routes: ec2Routes({ inventory, tokens: createNextTokenCodec(String(seed)), region, credentials, now, newRequestId, state, verboseSignatureErrors: options.verboseSignatureErrors === true }),
    controlRoutes: ec2ControlRoutes({ inventory, state }),
    errorResponse: kitErrorResponse(newRequestId, now),
    platformStats: () => ({
      ...inventory.counts(),
      ...state.usage(),
      authFailureSwitch: state.forceAuthFailure,
      visibilityLagSeconds: inventory.visibilityLagSeconds(),
      describeFaultsArmed: state.describeFaults.armed().length,
    }),
    onReset: () => {
      inventory.clear();
      state.resetUsage();
      state.forceAuthFailure = false;
      state.describeFaults.clear();
      inventory.setVisibilityLag(visibilityLagSeconds);
    },
    seed,
    ...(options.delay === undefined ? {} : { delay: options.delay }),
  });

  return {
    start: (startOptions) => server.start(startOptions),
    close: () => server.close(),
    credentials: firstCredentials,
    region,
    inventory,
    faults: server.faults,
    stats: () => server.stats(),
    resetStats: () => {
      server.resetStats();
      state.resetUsage();
    },
    reset: () => server.reset(),
    seedDcmInstances: (seedOptions) => inventory.seedDcmInstances(seedOptions),
    setAuthFailure: (enabled) => {
      state.forceAuthFailure = enabled;
    },
    failDescribe: (...faults) => state.describeFaults.add(faults),
    clearDescribeFaults: () => state.describeFaults.clear(),
    setVisibilityLag: (seconds) => inventory.setVisibilityLag(seconds),
    usage: () => state.usage(),
  };
}
