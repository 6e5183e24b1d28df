import { createRequire } from 'node:module';
import type { CronTime as CronTimeClass } from 'cron';

const require = createRequire(import.meta.url);

/**
 * The `cron` package's parser, loaded on first use: with luxon it costs
 * about 11 ms of start-up (140 ms from a cold disk), which a bridge without
 * maintenance windows never pays.
 * Only its parser and next-date arithmetic are used; its timers never run
 * (the bridge's clock schedules everything).
 */
let cronTime: typeof CronTimeClass | undefined;
function loadCronTime(): typeof CronTimeClass {
  cronTime ??= (require('cron') as { CronTime: typeof CronTimeClass }).CronTime;
  return cronTime;
}

/** Presets the `cron` package knows whose starts fall on whole minutes (`@secondly` does not). */
const minutePresets = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@minutely', '@weekdays', '@weekends'];

/** A parsed window expression in its time zone: the starts it gives, as epoch ms. */
export interface WindowStarts {
  /** The first start strictly after `at`, or undefined when the expression never starts again. */
  nextAfter(at: number): number | undefined;
}

/**
 * Whether `timeZone` is an IANA zone name (`Europe/Berlin`, `UTC`) this
 * Node knows. Offsets (`+01:00`) are refused: they have no daylight saving
 * time, which is what an operator writing a zone usually means to follow.
 */
export function isIanaTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a standard five-field cron expression (minute hour day-of-month
 * month day-of-week, names such as `SAT` allowed) or a preset (`@daily`) in
 * `timeZone`. Throws an Error whose message says what is wrong; a six-field
 * expression (with seconds) is refused, so every start is on a whole minute.
 */
export function parseWindowStarts(expression: string, timeZone: string): WindowStarts {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/);
  if (trimmed.startsWith('@')) {
    if (!minutePresets.includes(trimmed)) throw new Error(`unknown preset ${JSON.stringify(trimmed)}; use five fields or one of ${minutePresets.join(', ')}`);
  } else if (fields.length !== 5) {
    throw new Error(`must have five fields (minute hour day-of-month month day-of-week), not ${fields.length}`);
  }
  const CronTime = loadCronTime();
  let parsed: CronTimeClass;
  try {
    parsed = new CronTime(trimmed, timeZone);
  } catch (error) {
    throw new Error(describeCronError(error));
  }
  return {
    nextAfter(at) {
      try {
        return parsed.getNextDateFrom(new Date(at), timeZone).toMillis();
      } catch {
        // The package searches eight years ahead and gives up: as good as never.
        return undefined;
      }
    },
  };
}

/** The package's complaint in one short sentence (its "no date found" message is a paragraph with the host's time). */
function describeCronError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/No execution date was found/.test(message)) return 'never matches a date (e.g. 31 February)';
  return message.split('\n')[0]?.trim() || 'is not a cron expression';
}
