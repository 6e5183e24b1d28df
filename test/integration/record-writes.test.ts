import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openStateCache, type InstanceRecord, type StateCache } from '../../src/cache/index.js';
import { freshNamespace, redisForTestFile } from '../support/redis-per-file.js';

/**
 * A page's records reach Redis as MSETs inside the page's MULTI (#12,
 * src/cache/hot-store.ts): whatever mix of live and DELETED records a write
 * carries, each record reads back as written, a DELETED one expires as a
 * tombstone and a live one never does, and a later write of the same id wins.
 */

const redis = redisForTestFile();
const statuses = ['RUNNING', 'STOPPED', 'DELETED', 'PROVISIONING'] as const;
const recordOf = (platformId: string, status: (typeof statuses)[number], sequence: number): InstanceRecord => ({
  platformId,
  instanceId: `dcm-${platformId}`,
  status,
  message: `m ${sequence}`,
  rawState: status.toLowerCase(),
  sequence,
  observedTime: '2026-12-04T00:00:00.000Z',
  lastTransitionTime: '2026-12-04T00:00:00.000Z',
});

/** Calls of `command` Redis has answered so far. */
async function calls(cache: StateCache, command: string): Promise<number> {
  const info = (await cache.coordination.redis!.sendCommand(['INFO', 'commandstats'])) as string;
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

test('redis: records written in any mix of live and DELETED read back as written, the last write of an id winning; only DELETED ones expire', async () => {
  const namespace = freshNamespace();
  const cache = await openStateCache({ url: redis.url, namespace, tombstoneSeconds: 3600 });
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...statuses)), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 1e6 }),
        async (writes, round) => {
          const endpoint = `ep-${round}-${Math.random().toString(36).slice(2)}`;
          const records = writes.map(([id, status], sequence) => recordOf(`i-${id}`, status, sequence));
          await cache.writeState(endpoint, { records });
          const expected = new Map(records.map((record) => [record.platformId, record]));
          const ids = [...expected.keys()];
          assert.deepEqual(await cache.readInstances(endpoint, ids), ids.map((id) => expected.get(id)));
          for (const id of ids) {
            const ttl = (await cache.coordination.redis!.sendCommand(['PTTL', `${namespace}:v2:instance:${endpoint}:${id}`])) as number;
            if (expected.get(id)?.status === 'DELETED') assert.ok(ttl > 0 && ttl <= 3600_000, `the tombstone of ${id} expires (PTTL ${ttl})`);
            else assert.equal(ttl, -1, `the live record of ${id} does not expire`);
          }
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    await cache.close();
  }
});

test('redis: a page of 1,000 live records is one MSET, not 1,000 SETs', async () => {
  const cache = await openStateCache({ url: redis.url, namespace: freshNamespace() });
  try {
    const records = Array.from({ length: 1000 }, (_, index) => recordOf(`i-${index}`, 'RUNNING', 1));
    const [msetsBefore, setsBefore] = [await calls(cache, 'mset'), await calls(cache, 'set')];
    await cache.writeState('ep', { records });
    assert.equal(await calls(cache, 'mset'), msetsBefore + 1);
    assert.equal(await calls(cache, 'set'), setsBefore);
    const read = await cache.readInstances('ep', records.map((record) => record.platformId));
    assert.deepEqual(read, records);
  } finally {
    await cache.close();
  }
});
