import { parseWindowDuration } from './duration.js';
import { parseWindowStarts, type WindowStarts } from './cron-expression.js';
import type { MaintenanceWindowConfig } from './window-config.js';

/** A configured window ready for arithmetic. */
export interface CompiledWindow {
  readonly config: MaintenanceWindowConfig;
  readonly starts: WindowStarts;
  readonly durationMs: number;
}

/** One window's occurrence around an instant. */
export interface WindowOccurrence {
  /** The occurrence `at` falls in: it began at `startAt` and ends at `endAt` (exclusive). */
  readonly current?: { readonly startAt: number; readonly endAt: number };
  /** The first start after `at`; undefined when the expression never starts again. */
  readonly nextStartAt?: number;
}

/** Compiles validated windows (see `validateMaintenanceWindows`); throws on one that is not valid. */
export function compileWindows(windows: readonly MaintenanceWindowConfig[]): CompiledWindow[] {
  return windows.map((config) => {
    const duration = parseWindowDuration(config.duration);
    if ('problem' in duration) throw new Error(`maintenance window duration ${duration.problem}`);
    return { config, starts: parseWindowStarts(config.cron, config.timeZone), durationMs: duration.ms };
  });
}

/** Starts fall on whole minutes, so two probes less than this apart cannot have a start between them. */
const startResolutionMs = 60_000;

/**
 * Where `at` stands in `window`: inside an occurrence (the latest start at
 * or before `at` is less than the duration ago) and when the next one
 * starts. Durations are elapsed time, so a window that spans a daylight
 * saving change lasts as long as any other; a start at a local time that a
 * spring-forward skips comes at the first valid time after it (the `cron`
 * package's reading), one that a fall-back repeats comes once.
 */
export function occurrenceAt(window: CompiledWindow, at: number): WindowOccurrence {
  const nextStartAt = window.starts.nextAfter(at);
  const earliest = at - window.durationMs;
  const firstInRange = window.starts.nextAfter(earliest);
  if (firstInRange === undefined || firstInRange > at) return nextStartAt === undefined ? {} : { nextStartAt };
  // The latest start in (earliest, at], by bisection: the package can only step forward, one search per step.
  let low = earliest;
  let high = at;
  while (high - low > startResolutionMs) {
    const middle = low + Math.floor((high - low) / 2);
    const next = window.starts.nextAfter(middle);
    if (next !== undefined && next <= at) low = middle;
    else high = middle;
  }
  const startAt = lastStartAtOrBefore(window, low, at);
  return { current: { startAt, endAt: startAt + window.durationMs }, ...(nextStartAt !== undefined ? { nextStartAt } : {}) };
}

/** Steps from `from` to the last start not after `at` (at most two steps after the bisection). */
function lastStartAtOrBefore(window: CompiledWindow, from: number, at: number): number {
  let start = window.starts.nextAfter(from) as number;
  for (let next = window.starts.nextAfter(start); next !== undefined && next <= at; next = window.starts.nextAfter(start)) start = next;
  return start;
}
