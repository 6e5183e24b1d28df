/**
 * Reads an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds or
 * an HTTP date. Returns the wait in milliseconds from `nowMs` (never negative),
 * or undefined when the header is absent or unreadable.
 *
 * The value is the platform's own and may be absurd: digits too many for a
 * finite number give no hint; a huge finite one is returned as it is, and the
 * scheduler cuts every hint to its backoff cap (`usableRetryAfterMs`).
 *
 * `nowMs` comes from the injected clock, so a date hint is measured against the
 * same time the scheduler uses.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return finiteOrAbsent(Number(text) * 1000);
  // Only the date forms are accepted: Date.parse alone would also take "5.5" or "1 2".
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : finiteOrAbsent(Math.max(0, at - nowMs));
}

function finiteOrAbsent(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}
