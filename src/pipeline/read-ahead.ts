/**
 * Pages of `source`, each one's successor already asked for while the
 * consumer handles it, so the platform's answer time overlaps the diff and
 * the delivery instead of adding to them (at most one page is held ahead).
 * Pages and the source's failure come in the source's order: a page that
 * failed surfaces only after every page before it was handled. When the
 * consumer stops early, the source is closed once its pending page settles.
 */
export async function* readAhead<Page>(source: AsyncIterable<Page>): AsyncGenerator<Page> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await pending;
      if (result.done) {
        finished = true;
        return;
      }
      pending = iterator.next();
      // Awaited on the next turn; until then its failure must not count as unhandled.
      pending.catch(() => undefined);
      yield result.value;
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    if (!finished) {
      await pending.catch(() => undefined);
      await iterator.return?.();
    }
  }
}
