/**
 * Cuts `text` to at most `maxChars` UTF-16 code units, ending the kept part
 * with a visible note such as `…[cut 1048000 characters]`, so a reader knows
 * the platform said more. Text within the bound comes back unchanged.
 *
 * Platform strings (VM names, raw states, error words) are attacker- or
 * accident-sized: a 1 MB VM name must not become a 1 MB event or log line.
 * `maxChars` below the length of the note keeps the note alone (cut to fit).
 */
export function boundText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const limit = Math.max(0, Math.floor(maxChars));
  // The note's length depends on the count it states: shrink the kept part until both fit (monotone, so it ends).
  let kept = limit;
  for (;;) {
    const next = Math.max(0, limit - cutNote(text.length - kept).length);
    if (next >= kept) break;
    kept = next;
  }
  const code = text.charCodeAt(kept - 1);
  // Never leave half of a surrogate pair at the cut.
  if (kept > 0 && code >= 0xd800 && code <= 0xdbff) kept--;
  return (text.slice(0, kept) + cutNote(text.length - kept)).slice(0, limit);
}

function cutNote(cutChars: number): string {
  return `…[cut ${cutChars} characters]`;
}

/**
 * `value` with every string in it passed through {@link boundText}: strings,
 * arrays and plain objects are walked (to `maxDepth` levels; anything deeper
 * is replaced by a note), other values are returned as they are. The same
 * reference comes back when nothing needed cutting, so the common case costs
 * a walk and no copy.
 */
export function boundStrings(value: unknown, maxChars: number, maxDepth = 8): unknown {
  return walk(value, maxChars, maxDepth);
}

function walk(value: unknown, maxChars: number, depthLeft: number): unknown {
  if (typeof value === 'string') return boundText(value, maxChars);
  if (value === null || typeof value !== 'object') return value;
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return value;
  if (depthLeft <= 0) return '[cut: nested too deep]';
  if (isArray) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const bounded = walk(item, maxChars, depthLeft - 1);
      if (bounded !== item) (copy ??= [...(value as unknown[])])[index] = bounded;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const bounded = walk(item, maxChars, depthLeft - 1);
    if (bounded !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = bounded;
  }
  return copy ?? value;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
