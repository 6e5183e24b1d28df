import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStateCache, type StateCache } from '../../src/cache/index.js';
import { redisCommand, startRedis, type TestServer } from '../support/servers.js';

// The adapters' per-endpoint store (AdapterContext.store) has one contract over Redis and over memory.

let redis: TestServer;
before(async () => {
  redis = await startRedis();
});
after(() => redis.dispose());

for (const kind of ['redis', 'memory'] as const) {
  describe(`adapter store (${kind})`, () => {
    let cache: StateCache;
    const namespace = `store-${kind}`;
    before(async () => {
      cache = await openStateCache({ url: kind === 'redis' ? redis.url : '', namespace });
    });
    after(() => cache.close());

    test('maps of one endpoint are separate by use and by endpoint; getMany answers in order, undefined where there is none', async () => {
      const names = cache.adapterStore('vc-a').map('tag-names');
      await names.setMany(new Map([['t1', 'one'], ['t2', 'two']]));
      await cache.adapterStore('vc-a').map('other').setMany(new Map([['t1', 'elsewhere']]));
      await cache.adapterStore('vc-b').map('tag-names').setMany(new Map([['t1', 'endpoint b']]));
      assert.deepEqual(await names.getMany(['t2', 'missing', 't1']), ['two', undefined, 'one']);
      assert.deepEqual(await names.getMany([]), []);
      assert.deepEqual([...(await names.entries())].sort(), [['t1', 'one'], ['t2', 'two']]);
      await names.deleteMany(['t1', 'never-there']);
      assert.deepEqual([...(await names.entries())], [['t2', 'two']]);
      if (kind === 'redis') assert.equal(await redisCommand(redis, 'HGET', `${namespace}:v2:adapter:vc-b:tag-names`, 't1'), 'endpoint b', 'keys under the cache namespace');
    });

    test('12,000 entries go and come back whole (commands are sliced)', async () => {
      const map = cache.adapterStore('vc-big').map('tag-names');
      const entries = new Map(Array.from({ length: 12_000 }, (_, index) => [`urn:tag:${index}`, `inst-${index}`] as const));
      await map.setMany(entries);
      const keys = [...entries.keys()];
      assert.deepEqual(await map.getMany(keys), [...entries.values()]);
      assert.equal((await map.entries()).size, 12_000);
      await map.deleteMany(keys.slice(0, 11_000));
      assert.equal((await map.entries()).size, 1000);
    });

    test("forgetting an endpoint's store deletes every use of it and nothing of another endpoint", async () => {
      await cache.adapterStore('vc-c').map('tag-names').setMany(new Map([['t', 'x']]));
      await cache.adapterStore('vc-c').map('other').setMany(new Map([['t', 'y']]));
      await cache.adapterStore('vc-d').map('tag-names').setMany(new Map([['t', 'z']]));
      await cache.forgetAdapterStore('vc-c');
      assert.equal((await cache.adapterStore('vc-c').map('tag-names').entries()).size, 0);
      assert.equal((await cache.adapterStore('vc-c').map('other').entries()).size, 0);
      assert.deepEqual(await cache.adapterStore('vc-d').map('tag-names').getMany(['t']), ['z']);
      if (kind === 'redis') assert.equal(await redisCommand(redis, 'EXISTS', `${namespace}:v2:adapter:vc-c:tag-names`, `${namespace}:v2:adapter:vc-c:other`, `${namespace}:v2:adapter-uses:vc-c`), '0');
      await cache.forgetAdapterStore('never-stored');
    });

    test('a use that is not a short fixed name is refused', () => {
      assert.throws(() => cache.adapterStore('vc-a').map('tag names:*'), { code: 'INTERNAL' });
    });
  });
}

test('a Redis failure is a CACHE_FAILED error naming the operation, never an empty answer', async () => {
  const cache = await openStateCache({ url: redis.url, namespace: 'store-failing' });
  const map = cache.adapterStore('vc-a').map('tag-names');
  await redisCommand(redis, 'ACL', 'SETUSER', 'default', '-hmget');
  try {
    await assert.rejects(map.getMany(['t1']), (error: Error & { code?: string }) => error.code === 'CACHE_FAILED' && /read tag-names failed: NOPERM/.test(error.message));
  } finally {
    await redisCommand(redis, 'ACL', 'SETUSER', 'default', '+@all');
    await cache.close();
  }
});
