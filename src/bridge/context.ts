import type { Logger } from 'pino';
import type { Fence, StateCache } from '../cache/index.js';
import type { Clock } from '../clock/index.js';
import type { BridgeConfig } from '../config/index.js';
import type { Differ } from '../diff/index.js';
import type { BridgeMetrics } from '../metrics/index.js';
import type { EventPublisher } from '../publisher/index.js';
import type { PlatformRateLimiter } from '../ratelimit/index.js';
import type { EndpointRegistry } from '../registry/index.js';
import type { BridgeDependencies } from './types.js';

/** What every part of a bridge shares: its settings, its connections, and the per-endpoint tables of the polls in flight. */
export interface BridgeContext {
  readonly config: BridgeConfig;
  readonly dependencies: BridgeDependencies;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  /** The cache as opened: reads, adapter stores, coordination. */
  readonly cache: StateCache;
  /** The cache every state write of a poll goes through: fenced by the poll's lease in cluster mode. */
  readonly stateCache: StateCache;
  readonly publisher: EventPublisher;
  readonly rateLimiter: PlatformRateLimiter;
  readonly differ: Differ;
  readonly registry: EndpointRegistry;
  /** This replica's id in cluster mode; undefined when it runs alone. */
  readonly replicaId: string | undefined;
  /** The lease each endpoint's running poll began under: every state write of that poll is fenced by it. */
  readonly pollFences: Map<string, Fence>;
  /** Leases the `once` command took for its one round (cluster mode). */
  readonly onceFences: Map<string, Fence>;
}
