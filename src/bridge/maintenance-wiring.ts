import type { Logger } from 'pino';
import type { PlatformConnection } from '../adapter/index.js';
import type { Clock } from '../clock/index.js';
import type { EndpointConfig } from '../config/index.js';
import { createMaintenanceTracker, holdDeletionsInWindows, type MaintenanceStatus } from '../maintenance/index.js';
import type { BridgeMetrics } from '../metrics/index.js';

export interface MaintenanceWiringOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: BridgeMetrics;
  /** A window opened or closed, or held more deletions: health and the status change without a poll. */
  readonly onChange: (endpoint: string) => void;
}

/**
 * The bridge's side of maintenance windows (README "Maintenance windows"):
 * it follows each scheduled endpoint's windows on the bridge's clock, keeps
 * the window gauges, holds deletions through the endpoint's connection, and
 * tells the scheduler when polling is paused.
 */
export interface MaintenanceWiring {
  /** Follows the endpoint's windows (none: its gauge still says 0, so alert rules may join on it). */
  follow(endpoint: EndpointConfig): void;
  /** The connection the endpoint's pipeline uses: deletions held while a window is open. */
  connection(endpoint: EndpointConfig, connection: PlatformConnection, logger: Logger): PlatformConnection;
  /** For the scheduler: when a poll due at `at` falls in a pausing window, the window's end. */
  pausedUntil(endpoint: string, at: number): number | undefined;
  status(endpoint: string): MaintenanceStatus | undefined;
  /** A poll that began at `startedAt` succeeded (outside a window it clears the held count). */
  pollSucceeded(endpoint: string, startedAt: number): void;
  forget(endpoint: string): void;
  stop(): void;
}

export function createMaintenanceWiring(options: MaintenanceWiringOptions): MaintenanceWiring {
  const { metrics } = options;
  const gauge = (endpoint: string, status: MaintenanceStatus | undefined): void => {
    metrics.inMaintenance.set({ endpoint }, status?.active ? 1 : 0);
    if (!status) return;
    metrics.maintenanceHeldDeletions.set({ endpoint }, status.heldDeletions);
    if (status.nextStartAt !== undefined) metrics.maintenanceNextStart.set({ endpoint }, status.nextStartAt / 1000);
    else metrics.maintenanceNextStart.remove({ endpoint });
  };
  const tracker = createMaintenanceTracker({
    clock: options.clock,
    logger: options.logger.child({ component: 'maintenance' }),
    onChange: (endpoint, status) => {
      gauge(endpoint, status);
      options.onChange(endpoint);
    },
  });
  const forget = (endpoint: string): void => {
    tracker.unwatch(endpoint);
    metrics.inMaintenance.remove({ endpoint });
    metrics.maintenanceHeldDeletions.remove({ endpoint });
    metrics.maintenanceNextStart.remove({ endpoint });
  };
  return {
    follow(endpoint) {
      forget(endpoint.name);
      tracker.watch(endpoint.name, endpoint.maintenanceWindows ?? []);
      gauge(endpoint.name, tracker.status(endpoint.name));
    },
    connection(endpoint, connection, logger) {
      if (!endpoint.maintenanceWindows?.length) return connection;
      return holdDeletionsInWindows(connection, { inWindow: () => tracker.isActive(endpoint.name), onHeld: (platformIds) => tracker.noteHeld(endpoint.name, platformIds), logger });
    },
    pausedUntil: (endpoint, at) => tracker.pausedUntil(endpoint, at),
    status: (endpoint) => tracker.status(endpoint),
    pollSucceeded: (endpoint, startedAt) => tracker.pollSucceeded(endpoint, startedAt),
    forget,
    stop: () => tracker.stop(),
  };
}
