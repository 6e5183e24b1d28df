/** Splits `items` into consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}

/**
 * Whether `before` and `now` hold the same ids in the same order. One string
 * comparison an id and no hashing: how a steady poll tells that vCenter
 * answered what it answered last time (the same ids in another order count
 * as different, which only costs the work the sameness would have saved).
 */
export function sameList(before: readonly string[], now: readonly string[]): boolean {
  if (before.length !== now.length) return false;
  for (let position = 0; position < now.length; position++) if (before[position] !== now[position]) return false;
  return true;
}
