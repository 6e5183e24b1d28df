import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAhead } from '../../../src/pipeline/read-ahead.js';

/** A source of `count` pages that logs when each page is asked for and when it is closed, failing at `failAt` if given. */
function pagedSource(count: number, log: string[], failAt?: number): AsyncIterable<number> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (let page = 1; page <= count; page++) {
          log.push(`ask ${page}`);
          await new Promise((resolve) => setImmediate(resolve));
          if (page === failAt) throw new Error(`page ${page} failed`);
          yield page;
        }
      } finally {
        log.push('closed');
      }
    },
  };
}

test('the next page is asked for while the consumer still handles the current one', async () => {
  const log: string[] = [];
  for await (const page of readAhead(pagedSource(3, log))) {
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`handled ${page}`);
  }
  // The source is through (and closed) while its last page is still being handled.
  assert.deepEqual(log, ['ask 1', 'ask 2', 'handled 1', 'ask 3', 'handled 2', 'closed', 'handled 3']);
});

test('a failing page surfaces after the pages before it were handled, never before', async () => {
  const log: string[] = [];
  await assert.rejects(async () => {
    for await (const page of readAhead(pagedSource(3, log, 2))) log.push(`handled ${page}`);
  }, /page 2 failed/);
  assert.deepEqual(log, ['ask 1', 'ask 2', 'handled 1', 'closed']);
});

test('a consumer that stops early closes the source once its pending page settled', async () => {
  const log: string[] = [];
  for await (const page of readAhead(pagedSource(5, log))) {
    log.push(`handled ${page}`);
    if (page === 1) break;
  }
  assert.deepEqual(log, ['ask 1', 'ask 2', 'handled 1', 'closed']);
});
