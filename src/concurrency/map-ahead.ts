/**
 * Maps `items` through `work` as a stream in item order, with up to `limit`
 * calls in flight (a limit below 1 counts as 1): while the consumer handles
 * one result, the calls for the next `limit` items are already running, so
 * independent requests (vSphere's VM list calls, one per batch of ids)
 * overlap each other and the consumer's work instead of taking turns. With
 * a limit of 1 the calls go one at a time, each started as the one before it
 * is handed over.
 *
 * Results come in item order, each as soon as it and every result before it
 * are in. A failed call surfaces after every result before it was yielded;
 * no call starts after it, and the calls already in flight are awaited
 * before the error is thrown, so nothing runs on after the consumer has seen
 * it. A consumer that stops early (`return`, `break`) waits the same way for
 * the calls in flight; their results are dropped.
 */
export async function* mapAhead<Item, Result>(items: readonly Item[], limit: number, work: (item: Item, index: number) => Promise<Result>): AsyncGenerator<Result> {
  const window = Math.max(1, Math.floor(limit));
  const inFlight: Array<Promise<Result>> = [];
  let next = 0;
  const fill = (): void => {
    while (inFlight.length < window && next < items.length) {
      const index = next++;
      const call = work(items[index] as Item, index);
      // Awaited in its turn; until then its failure must not count as unhandled.
      call.catch(() => undefined);
      inFlight.push(call);
    }
  };
  try {
    fill();
    while (inFlight.length > 0) {
      const result = await (inFlight[0] as Promise<Result>);
      inFlight.shift();
      fill();
      yield result;
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}
