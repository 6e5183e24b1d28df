/** The shortest window: one minute, the resolution of a cron expression. */
export const minimumWindowMs = 60_000;
/** The longest window: one week (a weekend's upgrade fits; a window that never ends is a mistake). */
export const maximumWindowMs = 7 * 24 * 3_600_000;

const durationPattern = /^(?:(\d{1,3})h)?(?:(\d{1,5})m)?$/;

/**
 * A window's length as written in config: hours and/or minutes, `2h`, `90m`,
 * `1h30m`. Answers the milliseconds, or a sentence saying what is wrong
 * (never a number outside one minute to one week).
 */
export function parseWindowDuration(text: unknown): { readonly ms: number } | { readonly problem: string } {
  const form = 'hours and/or minutes such as "2h", "90m" or "1h30m"';
  if (typeof text !== 'string') return { problem: `must be a duration in ${form}` };
  const match = durationPattern.exec(text.trim());
  if (!match || text.trim() === '') return { problem: `must be ${form}; got ${JSON.stringify(text).slice(0, 40)}` };
  const ms = Number(match[1] ?? 0) * 3_600_000 + Number(match[2] ?? 0) * 60_000;
  if (ms < minimumWindowMs) return { problem: `must be at least 1m; got ${JSON.stringify(text)}` };
  if (ms > maximumWindowMs) return { problem: `must be at most 168h (one week); got ${JSON.stringify(text)}` };
  return { ms };
}
