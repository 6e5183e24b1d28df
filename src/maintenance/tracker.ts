import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock/index.js';
import { compileWindows, occurrenceAt, type CompiledWindow } from './occurrences.js';
import type { MaintenanceWindowConfig } from './window-config.js';

/** An endpoint's maintenance windows as the status API, health and metrics show them. */
export interface MaintenanceStatus {
  /** True while at least one of the endpoint's windows is open. */
  readonly active: boolean;
  /** While active: when the open window(s) end (the latest end among them). */
  readonly endsAt?: number;
  /** The next start of any of its windows after now; undefined when none starts again. */
  readonly nextStartAt?: number;
  /** While active: an open window pauses polling. */
  readonly pausePolling: boolean;
  /**
   * Instances whose deletion a window held (they vanished, or the platform
   * reported them deleted, while it was open) that no poll outside a window
   * has judged again yet.
   */
  readonly heldDeletions: number;
  /** How many windows the endpoint has. */
  readonly windows: number;
}

export interface MaintenanceTrackerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called when an endpoint's window opens or closes (on the clock's timer), and when its held count grows. */
  readonly onChange?: (endpoint: string, status: MaintenanceStatus) => void;
}

/**
 * Follows the maintenance windows of every endpoint that has some, on the
 * bridge's clock (never the `cron` package's own timers): one timer per
 * endpoint, armed for its next opening or closing.
 */
export interface MaintenanceTracker {
  /** Starts (or restarts, with new windows) following `endpoint`; an empty list forgets it. */
  watch(endpoint: string, windows: readonly MaintenanceWindowConfig[]): void;
  unwatch(endpoint: string): void;
  /** Undefined for an endpoint without windows. */
  status(endpoint: string): MaintenanceStatus | undefined;
  /** Whether one of the endpoint's windows is open at `at` (default now). */
  isActive(endpoint: string, at?: number): boolean;
  /**
   * When a poll due at `at` falls in a window that pauses polling: the time
   * that window closes (the poll waits for it). Undefined when it may run.
   */
  pausedUntil(endpoint: string, at: number): number | undefined;
  /** Instances whose deletion an open window just held. */
  noteHeld(endpoint: string, platformIds: readonly string[]): void;
  /**
   * A poll that began at `startedAt` succeeded. When no window was open then
   * nor is now, it judged every absence by the normal rules: the held count
   * goes back to 0.
   */
  pollSucceeded(endpoint: string, startedAt: number): void;
  /** Cancels every timer. */
  stop(): void;
}

/** Where an endpoint stands at one instant, and until when that holds. */
interface Snapshot {
  readonly at: number;
  readonly validUntil: number;
  readonly active: boolean;
  readonly endsAt?: number;
  readonly nextStartAt?: number;
  readonly pausePolling: boolean;
  /** The latest end among open pausing windows. */
  readonly pauseEndsAt?: number;
}

interface Watched {
  readonly windows: readonly CompiledWindow[];
  snapshot: Snapshot;
  timer?: TimerHandle;
  readonly held: Set<string>;
}

export function createMaintenanceTracker(options: MaintenanceTrackerOptions): MaintenanceTracker {
  const { clock, logger } = options;
  const watched = new Map<string, Watched>();

  const statusOf = (entry: Watched): MaintenanceStatus => statusOfEntry(entry, snapshotNow(entry, clock.now()));

  const arm = (endpoint: string, entry: Watched): void => {
    if (!Number.isFinite(entry.snapshot.validUntil)) return;
    entry.timer = clock.schedule(entry.snapshot.validUntil - clock.now(), () => {
      entry.timer = undefined;
      if (watched.get(endpoint) !== entry) return;
      const before = entry.snapshot;
      entry.snapshot = snapshotOf(entry.windows, clock.now());
      logTransition(logger, endpoint, before, entry.snapshot);
      arm(endpoint, entry);
      options.onChange?.(endpoint, statusOf(entry));
    });
  };

  const forget = (endpoint: string): void => {
    const entry = watched.get(endpoint);
    if (entry?.timer) clock.cancel(entry.timer);
    watched.delete(endpoint);
  };

  return {
    watch(endpoint, windows) {
      const held = watched.get(endpoint)?.held ?? new Set<string>();
      forget(endpoint);
      if (windows.length === 0) return;
      const compiled = compileWindows(windows);
      const entry: Watched = { windows: compiled, snapshot: snapshotOf(compiled, clock.now()), held };
      watched.set(endpoint, entry);
      arm(endpoint, entry);
    },
    unwatch: forget,
    status(endpoint) {
      const entry = watched.get(endpoint);
      return entry ? statusOf(entry) : undefined;
    },
    isActive(endpoint, at = clock.now()) {
      const entry = watched.get(endpoint);
      return entry ? snapshotAt(entry, at).active : false;
    },
    pausedUntil(endpoint, at) {
      const entry = watched.get(endpoint);
      return entry ? snapshotAt(entry, at).pauseEndsAt : undefined;
    },
    noteHeld(endpoint, platformIds) {
      const entry = watched.get(endpoint);
      if (!entry) return;
      const before = entry.held.size;
      for (const platformId of platformIds) entry.held.add(platformId);
      if (entry.held.size !== before) options.onChange?.(endpoint, statusOf(entry));
    },
    pollSucceeded(endpoint, startedAt) {
      const entry = watched.get(endpoint);
      if (!entry || entry.held.size === 0) return;
      if (snapshotAt(entry, startedAt).active || snapshotNow(entry, clock.now()).active) return;
      entry.held.clear();
      options.onChange?.(endpoint, statusOf(entry));
    },
    stop() {
      for (const endpoint of [...watched.keys()]) forget(endpoint);
    },
  };
}

/** Every window's occurrence at `at`, folded: open if any is, paused if an open one pauses. */
function snapshotOf(windows: readonly CompiledWindow[], at: number): Snapshot {
  let endsAt: number | undefined;
  let pauseEndsAt: number | undefined;
  let nextStartAt: number | undefined;
  let validUntil = Infinity;
  for (const window of windows) {
    const occurrence = occurrenceAt(window, at);
    if (occurrence.current) {
      endsAt = Math.max(endsAt ?? -Infinity, occurrence.current.endAt);
      if (window.config.pausePolling) pauseEndsAt = Math.max(pauseEndsAt ?? -Infinity, occurrence.current.endAt);
      validUntil = Math.min(validUntil, occurrence.current.endAt);
    }
    if (occurrence.nextStartAt !== undefined) {
      nextStartAt = Math.min(nextStartAt ?? Infinity, occurrence.nextStartAt);
      validUntil = Math.min(validUntil, occurrence.nextStartAt);
    }
  }
  return {
    at,
    validUntil,
    active: endsAt !== undefined,
    pausePolling: pauseEndsAt !== undefined,
    ...(endsAt !== undefined ? { endsAt } : {}),
    ...(pauseEndsAt !== undefined ? { pauseEndsAt } : {}),
    ...(nextStartAt !== undefined ? { nextStartAt } : {}),
  };
}

function statusOfEntry(entry: Watched, snapshot: Snapshot): MaintenanceStatus {
  return {
    active: snapshot.active,
    ...(snapshot.endsAt !== undefined ? { endsAt: snapshot.endsAt } : {}),
    ...(snapshot.nextStartAt !== undefined ? { nextStartAt: snapshot.nextStartAt } : {}),
    pausePolling: snapshot.pausePolling,
    heldDeletions: entry.held.size,
    windows: entry.windows.length,
  };
}

/** The cached snapshot while it holds (the timer refreshes it at each transition), else a fresh one. */
function snapshotAt(entry: Watched, at: number): Snapshot {
  if (at >= entry.snapshot.at && at < entry.snapshot.validUntil) return entry.snapshot;
  return snapshotOf(entry.windows, at);
}

/** The snapshot of `now`, kept as the entry's cache. */
function snapshotNow(entry: Watched, now: number): Snapshot {
  if (now < entry.snapshot.at || now >= entry.snapshot.validUntil) entry.snapshot = snapshotOf(entry.windows, now);
  return entry.snapshot;
}

function logTransition(logger: Logger, endpoint: string, before: Snapshot, after: Snapshot): void {
  const until = after.endsAt !== undefined ? new Date(after.endsAt).toISOString() : undefined;
  if (!before.active && after.active) logger.info({ endpoint, until, pausePolling: after.pausePolling }, `maintenance window of ${endpoint} began (until ${until}): failures do not turn its health red, deletions are held${after.pausePolling ? ', polling is paused' : ''}`);
  else if (before.active && !after.active) logger.info({ endpoint }, `maintenance window of ${endpoint} ended: the next poll judges absences by the normal rules`);
}
