import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStateCache } from '../../src/cache/index.js';
import { createSystemClock } from '../../src/clock/index.js';
import { createAdapterRegistry } from '../../src/registry/index.js';
import { createVsphereAdapter } from '../../adapters/vsphere/index.js';
import { tagNamesUse } from '../../adapters/vsphere/tag-directory.js';
import { validateLabEndpoint } from '../support/adapter-lab.js';
import { eventually } from './api-support.js';
import { memoryLogger, useHarness } from '../support/harness.js';
import { redisCommand } from '../support/servers.js';
import { createSkippingClock, vsphereBridgeConfig } from '../support/vsphere-bridge.js';
import { listAll, startVsphereLab, type VsphereLab } from '../support/vsphere-lab.js';

// The tag path's tag-id → name cache in real Redis, across restarts of the bridge (#13, must show 3).

const harness = useHarness();
let lab: VsphereLab;
before(async () => {
  lab = await startVsphereLab();
});
after(() => lab.close());

const routes = {
  login: 'POST /api/session',
  listCategories: 'GET /api/cis/tagging/category',
  getCategory: 'GET /api/cis/tagging/category/{category_id}',
  listTagsForCategory: 'POST /api/cis/tagging/tag?action=list-tags-for-category',
  getTag: 'GET /api/cis/tagging/tag/{tag_id}',
  attachedObjects: 'POST /api/cis/tagging/tag-association?action=list-attached-objects-on-tags',
  vmList: 'GET /api/vcenter/vm',
} as const;

/** The simulator's request counters since the last reset, by route. */
const counted = (): Readonly<Record<string, number>> => lab.simulator.stats().byRoute;
const total = (byRoute: Readonly<Record<string, number>>): number => Object.values(byRoute).reduce((sum, count) => sum + count, 0);

/** A warm poll's budget (adapters/vsphere/README.md, "Requests per poll"): T instance-id tags, N managed VMs, no new tag. */
const warmBudget = (tags: number, vms: number): number => 1 + Math.ceil((tags + 1) / 1000) + Math.ceil(vms / 1000);

test('restart at 10,000 tagged VMs: the first poll after it costs the warm budget, the login, the category and managed-by lookups, and the 5 new tags only', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 10_000, tagged: 10_000 });
  const adapters = createAdapterRegistry([createVsphereAdapter()]);
  // Request counts, not pacing: the skipping clock would add up every rate-limit wait of 10,000 tag GETs as elapsed time.
  const config = vsphereBridgeConfig(harness(), [{ lab, input: { apiFlavor: 'api' } }], adapters, 'rateLimits: { vsphere: { requestsPerSecond: 0 } }');
  const namesKey = `${config.cache.namespace}:v2:adapter:vc-lab:${tagNamesUse}`;

  lab.simulator.resetStats();
  const first = await harness().bridge(config, { adapters, clock: createSkippingClock() });
  assert.ok((await first.runOnce()).ok);
  const cold = counted();
  assert.equal(cold[routes.getTag], 10_000 + 1, 'the first start gets every instance-id tag (and the dcm tag)');
  assert.equal(await redisCommand(harness().redis, 'HLEN', namesKey), '10000', 'and stores every name in Redis');
  const firstPollLookups = cold[routes.login]! + cold[routes.listCategories]! + cold[routes.getCategory]! + 1 /* list-tags-for-category managed-by */ + 1; /* GET the dcm tag */

  lab.simulator.resetStats();
  assert.ok((await first.runOnce()).ok);
  assert.equal(total(counted()), warmBudget(10_000, 10_000), 'a warm poll costs its budget');
  await first.stop();

  lab.simulator.seedDcmVms({ count: 5, tagged: 5 });
  lab.simulator.resetStats();
  const second = await harness().bridge(config, { adapters, clock: createSkippingClock() });
  const restarted = await second.runOnce();
  assert.ok(restarted.ok, JSON.stringify(restarted.endpoints));
  const afterRestart = counted();
  console.log(`10,000 tagged VMs: first start ${total(cold)} requests (${cold[routes.getTag]} tag GETs); ` + `warm poll ${warmBudget(10_000, 10_000)}; first poll after a restart with 5 new tags ${total(afterRestart)} (${afterRestart[routes.getTag]} tag GETs)`);
  assert.deepEqual(afterRestart, {
    [routes.login]: 1,
    [routes.listCategories]: cold[routes.listCategories],
    [routes.getCategory]: cold[routes.getCategory],
    [routes.listTagsForCategory]: 2,
    [routes.getTag]: 1 + 5,
    [routes.attachedObjects]: Math.ceil((10_005 + 1) / 1000),
    [routes.vmList]: Math.ceil(10_005 / 1000),
  });
  assert.equal(total(afterRestart), warmBudget(10_005, 10_005) + firstPollLookups + 5);
  assert.equal(restarted.endpoints[0]?.lastPoll?.requests, total(afterRestart), "the bridge's own count agrees");

  // The names read from Redis are the right ones: every VM is indexed under the instance id it was seeded with.
  const index = await second.cache.readIndex('vc-lab');
  assert.equal(index.members.size, 10_005);
  for (const [vmId, entry] of index.members) assert.equal(entry.instanceId, `inst-${String(Number(vmId.slice('vm-'.length)) - 1000).padStart(5, '0')}`, vmId);
  assert.equal(await redisCommand(harness().redis, 'HLEN', namesKey), '10005');
});

test('Redis refusing reads or writes of the names costs GETs and a warning, never the poll; names are written once Redis takes them again', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 50, tagged: 50 });
  const namespace = `acl-${Math.random().toString(36).slice(2)}`;
  const cache = await openStateCache({ url: harness().redis.url, namespace });
  const store = cache.adapterStore('vc-acl');
  const connect = () => {
    const adapter = createVsphereAdapter();
    const { logger, lines } = memoryLogger('info');
    const connection = adapter.connect(validateLabEndpoint(lab.endpointInput({ name: 'vc-acl', apiFlavor: 'api' }), adapter), { logger, clock: createSystemClock(), store });
    return { connection, lines };
  };
  const acl = (...rules: string[]) => redisCommand(harness().redis, 'ACL', 'SETUSER', 'default', ...rules);
  const instanceTagGets = (): number => (counted()[routes.getTag] ?? 0) - 1;
  const storedCount = async (): Promise<number> => (await store.map(tagNamesUse).entries()).size;
  try {
    await store.map(tagNamesUse).setMany(new Map([['urn:stale', '{}']]));
    // Reads refused (NOPERM): the names come from vCenter, nothing stored is deleted on a read that failed.
    await acl('-hgetall', '-hmget');
    lab.simulator.resetStats();
    const first = connect();
    assert.equal((await listAll(first.connection)).length, 50);
    assert.equal(instanceTagGets(), 50);
    assert.ok(first.lines.some((line) => line.includes('cannot read the stored instance-id tag names; fetching them from vCenter instead') && line.includes('NOPERM')));
    await acl('+hgetall', '+hmget');
    assert.equal(await storedCount(), 51, 'the 50 fetched names were written; the stale entry waits for a read that works');
    await first.connection.close();

    // Writes refused: the poll still succeeds, the new names stay queued in memory and are written with a later poll.
    lab.simulator.seedDcmVms({ count: 5, tagged: 5 });
    await acl('-hset');
    lab.simulator.resetStats();
    const second = connect();
    assert.equal((await listAll(second.connection)).length, 55);
    assert.equal(instanceTagGets(), 5, 'the restart read the 50 stored names');
    assert.ok(second.lines.some((line) => line.includes('cannot store instance-id tag names')));
    assert.equal(await storedCount(), 50, 'the stale entry was deleted, the 5 new names could not be written');
    await acl('+hset');
    assert.equal((await listAll(second.connection)).length, 55);
    assert.equal(await storedCount(), 55, 'the next poll wrote them');
    await second.connection.close();

    lab.simulator.resetStats();
    const third = connect();
    assert.equal((await listAll(third.connection)).length, 55);
    assert.equal(instanceTagGets(), 0, 'nothing was lost: a restart fetches no name');
    await third.connection.close();
  } finally {
    await acl('+@all');
    await cache.close();
  }
});

test('removing an endpoint deletes its stored names; replacing it keeps them', async () => {
  lab.simulator.reset();
  lab.simulator.seedDcmVms({ count: 4, tagged: 4 });
  const adapters = createAdapterRegistry([createVsphereAdapter()]);
  const config = vsphereBridgeConfig(harness(), [{ lab, input: { name: 'vc-gone', apiFlavor: 'api' } }], adapters);
  const namesKey = `${config.cache.namespace}:v2:adapter:vc-gone:${tagNamesUse}`;
  const usesKey = `${config.cache.namespace}:v2:adapter-uses:vc-gone`;
  const bridge = await harness().bridge(config, { adapters, clock: createSkippingClock() });
  await bridge.start();
  await eventually('the first poll to store the 4 names', async () => (await redisCommand(harness().redis, 'HLEN', namesKey)) === '4');

  await bridge.endpoints.replace({ ...bridge.endpoints.get('vc-gone')!, intervalSeconds: 20 });
  assert.equal(await redisCommand(harness().redis, 'HLEN', namesKey), '4', 'a new version of the endpoint keeps them');

  await bridge.endpoints.remove('vc-gone');
  assert.equal(await redisCommand(harness().redis, 'EXISTS', namesKey, usesKey), '0');
});
