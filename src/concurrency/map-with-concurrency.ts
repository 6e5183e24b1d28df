/**
 * Maps `items` through `work` with at most `limit` calls in flight (a limit
 * below 1 counts as 1), starting them in item order and resolving to the
 * results in item order.
 *
 * On the first failure no new call starts; the calls already in flight are
 * awaited, so nothing runs on after the caller has seen the error, and then
 * the first error is thrown. A `work` that must never stop the others (a
 * verdict per item) catches its own errors.
 */
export async function mapWithConcurrency<Item, Result>(items: readonly Item[], limit: number, work: (item: Item, index: number) => Promise<Result>): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as Item, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.min(Math.max(1, Math.floor(limit)), items.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure) throw failure.error;
  return results;
}
