import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectTargetCheck } from '../adapter/index.js';
import type { StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import type { EndpointConfig } from '../config/index.js';
import type { VanishingVerdict } from '../diff/index.js';
import type { MaintenanceStatus } from '../maintenance/index.js';
import type { BridgeMetrics } from '../metrics/index.js';
import type { PollReport } from '../pipeline/index.js';
import type { EventPublisher } from '../publisher/index.js';
import type { AdapterRegistry, EndpointRegistry } from '../registry/index.js';

/** The last known condition of one endpoint. */
export interface EndpointStatus {
  readonly endpoint: string;
  readonly lastSuccessAt?: number;
  readonly lastReport?: PollReport;
  /** Instances by status in the last full list (an incremental poll lists only changes). */
  readonly instanceCounts?: PollReport['countsByStatus'];
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  readonly consecutiveFailures: number;
  readonly nextPollAt?: number;
  /** When polling of this endpoint (as currently configured) began. */
  readonly since?: number;
  /** Platform requests and throttling answers of the last settled poll. */
  /** The last settled poll's platform requests, its throttled answers, and how long the account's rate limit held it (requests waiting side by side count once). */
  readonly lastPoll?: { readonly requests: number; readonly throttles: number; readonly rateLimitWaitMs: number; readonly finishedAt: number };
  /** Set while the mass-deletion guard holds this endpoint's deletions (the endpoint is degraded). */
  readonly deletionsHeld?: VanishingVerdict;
  /** The endpoint's maintenance windows as of now; absent when it has none. */
  readonly maintenance?: MaintenanceStatus;
}

/** Which replica polls an endpoint now (cluster mode), as Redis says. */
export interface EndpointOwner {
  readonly replica: string;
  /** How long it has held the endpoint's lease. */
  readonly leaseAgeSeconds?: number;
  /** The lease's fencing token: it rises on every take-over. */
  readonly token: number;
}

/** Result of {@link Bridge.runOnce}. */
export interface OnceResult {
  /** True when every endpoint was polled and every change acknowledged. */
  readonly ok: boolean;
  readonly endpoints: readonly EndpointStatus[];
}

/** A running bridge: the pipeline of every endpoint, its cache and its broker. */
export interface Bridge {
  readonly endpoints: EndpointRegistry;
  readonly metrics: BridgeMetrics;
  readonly cache: StateCache;
  readonly publisher: EventPublisher;
  /**
   * Schedules every endpoint and follows registry changes. Resolves once every
   * endpoint is scheduled (each one's last poll start read from the cache), so
   * a caller driving a fake clock knows the first timers exist.
   */
  start(): Promise<void>;
  /**
   * Polls every endpoint once, publishes and commits; nothing stays
   * scheduled. An explicit run: it polls an endpoint whose maintenance
   * window pauses polling too (deletions are still held in the window).
   */
  runOnce(options?: { resync?: boolean; signal?: AbortSignal }): Promise<OnceResult>;
  /** The endpoint's condition, its maintenance windows as of now included. */
  status(endpoint: string): EndpointStatus | undefined;
  /**
   * Which replica holds `endpoint`'s lease now, read from Redis (any replica
   * answers for any endpoint); undefined when nobody does, or when the
   * bridge runs alone (`cluster.enabled` false).
   */
  ownerOf(endpoint: string): Promise<EndpointOwner | undefined>;
  /** This replica's id in cluster mode; undefined when it runs alone. */
  readonly replicaId: string | undefined;
  /**
   * An operator's confirmation that the instances the mass-deletion guard
   * holds for `endpoint` are really gone: its next poll asks the platform
   * about them. False when the endpoint is unknown or nothing is held.
   */
  releaseHeldDeletions(endpoint: string): boolean;
  /** Stops scheduling, finishes in-flight publish+commit, logs out of platforms, closes Redis and NATS. */
  stop(): Promise<void>;
}

export interface BridgeDependencies {
  readonly adapters: AdapterRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the stdout publisher prints events. */
  readonly stdout: Writable;
  readonly random?: () => number;
  /** Replaces the publisher built from config (tests that need a failing broker). */
  readonly publisher?: EventPublisher;
  /**
   * Runs at the start of every poll, before the platform is asked; a throw
   * fails that poll like a platform error (status, health, backoff). The API
   * passes its target check of registered endpoints here.
   */
  readonly preflight?: (endpoint: EndpointConfig, signal: AbortSignal) => Promise<void>;
  /**
   * The target check an endpoint's adapter applies to every socket it opens
   * (`AdapterContext.targetCheck`), or undefined for none. The API passes its
   * target policy here for registered endpoints.
   */
  readonly targetCheckFor?: (endpoint: EndpointConfig) => ConnectTargetCheck | undefined;
  /** The metric set to record into; a fresh `createMetrics()` when absent. The CLI passes one with the process's runtime metrics and build info. */
  readonly metrics?: BridgeMetrics;
}
