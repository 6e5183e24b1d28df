import type { ValidationIssue } from '../errors/index.js';
import { isJsonObject } from '../values/index.js';
import { isIanaTimeZone, parseWindowStarts } from './cron-expression.js';
import { parseWindowDuration } from './duration.js';

/** One maintenance window of an endpoint, as configured (YAML or the registration API). */
export interface MaintenanceWindowConfig {
  /** Five-field cron expression (or preset) of the window's starts, read in `timeZone`. */
  readonly cron: string;
  /** How long each window lasts, as written: `2h`, `90m`, `1h30m` (elapsed time, one minute to one week). */
  readonly duration: string;
  /** IANA zone the expression is read in; `UTC` unless set. */
  readonly timeZone: string;
  /** Whether the endpoint is not polled at all during the window. */
  readonly pausePolling: boolean;
}

/** Most windows one endpoint may have. */
export const maxWindowsPerEndpoint = 16;

const windowKeys = ['cron', 'duration', 'timeZone', 'pausePolling'] as const;

/**
 * Validates an endpoint's `maintenanceWindows` list. Each problem is named
 * at its key path under `path` (`endpoints[0].maintenanceWindows[1].duration`),
 * all of them at once; the windows come back (defaults applied) only when
 * there is none.
 */
export function validateMaintenanceWindows(input: unknown, path: string): { windows?: readonly MaintenanceWindowConfig[]; issues: ValidationIssue[] } {
  if (input === undefined || input === null) return { windows: [], issues: [] };
  if (!Array.isArray(input)) return { issues: [{ path, message: 'must be a list of windows, each {cron, duration, timeZone, pausePolling}' }] };
  if (input.length > maxWindowsPerEndpoint) return { issues: [{ path, message: `at most ${maxWindowsPerEndpoint} windows per endpoint; got ${input.length}` }] };
  const issues: ValidationIssue[] = [];
  const windows = input.map((entry: unknown, index) => validateWindow(entry, `${path}[${index}]`, issues));
  return issues.length > 0 ? { issues } : { windows: windows as MaintenanceWindowConfig[], issues };
}

function validateWindow(entry: unknown, at: string, issues: ValidationIssue[]): MaintenanceWindowConfig | undefined {
  if (!isJsonObject(entry)) {
    issues.push({ path: at, message: 'must be a map: {cron, duration, timeZone, pausePolling}' });
    return undefined;
  }
  const before = issues.length;
  for (const key of Object.keys(entry)) {
    if (!(windowKeys as readonly string[]).includes(key)) issues.push({ path: `${at}.${key}`, message: `unknown key (a window has ${windowKeys.join(', ')})` });
  }
  const { cron, duration, timeZone = 'UTC', pausePolling = false } = entry as Record<string, unknown>;
  const zoneKnown = isIanaTimeZone(timeZone);
  if (!zoneKnown) issues.push({ path: `${at}.timeZone`, message: `must be an IANA time zone such as "Europe/Berlin" or "UTC"; got ${JSON.stringify(timeZone)?.slice(0, 60)}` });
  if (typeof cron !== 'string' || cron.trim() === '') {
    issues.push({ path: `${at}.cron`, message: 'is required: a five-field cron expression such as "0 2 * * SAT"' });
  } else {
    try {
      // From a fixed instant (not the host's clock), so the answer never depends on when it is asked; it spans leap years.
      if (parseWindowStarts(cron, zoneKnown ? timeZone : 'UTC').nextAfter(Date.UTC(2024, 0, 1)) === undefined) throw new Error('never matches a date (e.g. 31 February)');
    } catch (error) {
      issues.push({ path: `${at}.cron`, message: `${JSON.stringify(cron.slice(0, 80))} ${(error as Error).message}` });
    }
  }
  if (duration === undefined || duration === null) issues.push({ path: `${at}.duration`, message: 'is required: how long each window lasts, such as "2h" or "90m"' });
  else {
    const parsed = parseWindowDuration(duration);
    if ('problem' in parsed) issues.push({ path: `${at}.duration`, message: parsed.problem });
  }
  if (typeof pausePolling !== 'boolean') issues.push({ path: `${at}.pausePolling`, message: `must be true or false, not ${JSON.stringify(pausePolling)?.slice(0, 40)}` });
  if (issues.length > before) return undefined;
  return { cron: (cron as string).trim(), duration: (duration as string).trim(), timeZone: timeZone as string, pausePolling: pausePolling as boolean };
}
