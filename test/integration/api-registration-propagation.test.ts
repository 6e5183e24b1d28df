import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RegistrationFollower } from '../../src/api/index.js';
import { openStateCache } from '../../src/cache/index.js';
import type { BridgeConfig } from '../../src/config/index.js';
import { instances, useHarness } from '../support/harness.js';
import { redisCommand, startRedis } from '../support/servers.js';
import { apiConfig, eventually, fileRegistration, startApi, type ApiUnderTest } from './api-support.js';

const harness = useHarness();

/** The promise: a change made through one replica's API is in every other replica's registry within this. */
const propagationLimitMs = 1000;

interface Replica extends ApiUnderTest {
  readonly follower: RegistrationFollower;
  /** What the replica's registry did, in order (`added:<id>`, `removed:<id>`). */
  readonly registryEvents: string[];
}

/** A bridge with its API that follows the registrations of the others on the harness's Redis, as `run` does. */
async function startReplica(config: BridgeConfig, follow: Parameters<ApiUnderTest['registrations']['follow']>[0] = {}): Promise<Replica> {
  const api = await startApi(harness(), config);
  const registryEvents: string[] = [];
  api.bridge.endpoints.subscribe((event) => {
    registryEvents.push(`${event.kind}:${event.endpoint.name}`);
  });
  const follower = await api.registrations.follow(follow);
  return {
    ...api,
    follower,
    registryEvents,
    async stop() {
      await follower.stop();
      await api.stop();
    },
  };
}

/** Runs `action` and answers how long after it returned `condition` held (failing past `limitMs`). */
async function msUntil(what: string, action: () => Promise<void>, condition: () => boolean, limitMs = propagationLimitMs): Promise<number> {
  await action();
  const after = performance.now();
  await eventually(what, condition, limitMs);
  return performance.now() - after;
}

test('a registration created on A is in B’s registry within 1 s and B polls it; PATCH on B changes A’s copy; DELETE on B removes it from A', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('shared', { instances: instances(2, 'on', 100) });
  const config = apiConfig(harness());
  const a = await startReplica(config);
  const b = await startReplica(config);
  try {
    assert.ok(a.follower.subscribed && b.follower.subscribed, 'both replicas subscribed to the registrations channel');

    let created: Awaited<ReturnType<Replica['call']>> | undefined;
    const createdMs = await msUntil(
      'the registration made on A in B’s registry',
      async () => {
        created = await a.call('POST', '/api/v1alpha1/endpoints?id=shared', { body: fileRegistration(harness(), 'shared') });
        assert.equal(created.status, 201, created.text);
      },
      () => b.bridge.endpoints.get('shared') !== undefined,
    );
    const onB = b.bridge.endpoints.get('shared');
    assert.equal(onB?.origin, 'api');
    assert.equal(onB?.credentials['token'], 'shared-credential-secret', 'B opened the sealed credentials itself');
    const seenOnB = await b.call('GET', '/api/v1alpha1/endpoints/shared');
    assert.equal(seenOnB.status, 200, seenOnB.text);
    assert.equal(seenOnB.json()['create_time'], created?.json()['create_time'], 'B reports the registration’s own times');
    const createdAt = Date.now();
    await eventually('a poll of the registration by B', () => (b.bridge.status('shared')?.lastSuccessAt ?? 0) >= createdAt - createdMs);

    // A's own notice reaches A too: it must not restart what A already runs.
    assert.deepEqual(a.registryEvents, ['added:shared']);
    assert.deepEqual(b.registryEvents, ['added:shared']);

    const patchedMs = await msUntil(
      'B’s PATCH in A’s copy',
      async () => {
        const patched = await b.call('PATCH', '/api/v1alpha1/endpoints/shared', { body: { interval_seconds: 2 }, contentType: 'application/merge-patch+json' });
        assert.equal(patched.status, 200, patched.text);
      },
      () => a.bridge.endpoints.get('shared')?.intervalSeconds === 2,
    );
    const [onA, onBAgain] = await Promise.all([a.call('GET', '/api/v1alpha1/endpoints/shared'), b.call('GET', '/api/v1alpha1/endpoints/shared')]);
    assert.equal(onA.json()['update_time'], onBAgain.json()['update_time']);
    assert.equal(a.bridge.endpoints.get('shared')?.credentials['token'], 'shared-credential-secret', 'the credential the patch did not mention is kept');
    assert.deepEqual(a.registryEvents, ['added:shared', 'removed:shared', 'added:shared'], 'A replaced its copy once');
    assert.deepEqual(b.registryEvents, ['added:shared', 'removed:shared', 'added:shared'], 'B replaced its own once, not again on its own notice');

    const deletedMs = await msUntil(
      'B’s DELETE in A’s registry',
      async () => {
        const deleted = await b.call('DELETE', '/api/v1alpha1/endpoints/shared');
        assert.equal(deleted.status, 204, deleted.text);
      },
      () => a.bridge.endpoints.get('shared') === undefined,
    );
    assert.equal(a.bridge.status('shared'), undefined, 'A no longer schedules it');
    assert.equal((await a.call('GET', '/api/v1alpha1/endpoints/shared')).status, 404);
    console.log(`propagation: create ${createdMs.toFixed(0)} ms, patch ${patchedMs.toFixed(0)} ms, delete ${deletedMs.toFixed(0)} ms (limit ${propagationLimitMs} ms)`);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a replica whose subscription lost its connection re-reads every registration when it comes back', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('early', { instances: instances(1, 'on', 200) });
  harness().setPlatform('late', { instances: instances(1, 'on', 300) });
  const config = apiConfig(harness());
  // No periodic re-read during the test: only the reconnection can bring B up to date.
  const a = await startReplica(config, { reconcileIntervalMs: 3_600_000 });
  const b = await startReplica(config, { reconcileIntervalMs: 3_600_000 });
  const redis = harness().redis;
  const password = 'subscribers-stay-out';
  const subscribers = async (auth: string[]): Promise<number> => (await redisCommand(redis, ...auth, 'CLIENT', 'LIST', 'TYPE', 'pubsub')).split('\n').filter((line) => line.includes('name=dcm-poll-bridge-subscriber')).length;
  try {
    assert.equal((await a.call('POST', '/api/v1alpha1/endpoints?id=early', { body: fileRegistration(harness(), 'early') })).status, 201);
    await eventually('early in B’s registry', () => b.bridge.endpoints.get('early'), propagationLimitMs);
    assert.equal(await subscribers([]), 2, 'one subscriber connection per replica');

    // Connections already open stay authenticated; new ones are refused, so the subscribers cannot come back until the password goes.
    const auth = ['-a', password, '--no-auth-warning'];
    await redisCommand(redis, 'CONFIG', 'SET', 'requirepass', password);
    await redisCommand(redis, ...auth, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    assert.equal(await subscribers(auth), 0, 'no subscriber is connected');

    assert.equal((await a.call('POST', '/api/v1alpha1/endpoints?id=late', { body: fileRegistration(harness(), 'late') })).status, 201);
    assert.equal((await a.call('DELETE', '/api/v1alpha1/endpoints/early')).status, 204);
    assert.equal(await subscribers(auth), 0, 'both notices went out while nobody was subscribed');
    assert.ok(b.bridge.endpoints.get('early') && !b.bridge.endpoints.get('late'), 'B has not heard of either change');

    await redisCommand(redis, ...auth, 'CONFIG', 'SET', 'requirepass', '');
    await eventually('B re-reading the registrations once subscribed again', () => b.bridge.endpoints.get('late') !== undefined && b.bridge.endpoints.get('early') === undefined, 15_000);
    assert.equal(await subscribers([]), 2, 'both subscribers are back');
    assert.ok(b.logLines.some((line) => line.includes('the subscription is back after its connection was lost')), 'B says why it re-read');
    const sinceBack = Date.now();
    await eventually('a poll of the late registration by B', () => (b.bridge.status('late')?.lastSuccessAt ?? 0) >= sinceBack);
    assert.equal(b.bridge.status('early'), undefined, 'B stopped polling the deleted one');

    // And notices flow again on the new connection.
    await msUntil(
      'a deletion made after the reconnection in B’s registry',
      async () => {
        assert.equal((await a.call('DELETE', '/api/v1alpha1/endpoints/late')).status, 204);
      },
      () => b.bridge.endpoints.get('late') === undefined,
    );
  } finally {
    await redisCommand(redis, '-a', password, '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '').catch(() => undefined);
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('registrations made at once on two replicas are all kept, in both registries and in Redis; one id registered on both at once is stored once (201 and 409)', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  const config = apiConfig(harness());
  const a = await startReplica(config);
  const b = await startReplica(config);
  const ids = { a: Array.from({ length: 12 }, (_, n) => `from-a-${n}`), b: Array.from({ length: 12 }, (_, n) => `from-b-${n}`) };
  for (const id of [...ids.a, ...ids.b]) harness().setPlatform(id, { instances: instances(1, 'on', 400) });
  try {
    const answers = await Promise.all([
      ...ids.a.map((id) => a.call('POST', `/api/v1alpha1/endpoints?id=${id}`, { body: fileRegistration(harness(), id) })),
      ...ids.b.map((id) => b.call('POST', `/api/v1alpha1/endpoints?id=${id}`, { body: fileRegistration(harness(), id) })),
    ]);
    assert.deepEqual(answers.map((answer) => answer.status), answers.map(() => 201));
    const everyId = [...ids.a, ...ids.b].sort();
    const registered = (replica: Replica): string[] => replica.bridge.endpoints.list().filter((endpoint) => endpoint.origin === 'api').map((endpoint) => endpoint.name).sort();
    await eventually('all 24 registrations in both registries', () => registered(a).length === 24 && registered(b).length === 24, propagationLimitMs);
    assert.deepEqual(registered(a), everyId);
    assert.deepEqual(registered(b), everyId);
    const namespace = config.cache.namespace;
    assert.equal(await redisCommand(harness().redis, 'HLEN', `${namespace}:v2:registrations`), '24', 'one field per registration: none lost to a concurrent write');

    // One id POSTed on both at once: one replica stores it, the other answers 409, and both poll the winner's version.
    harness().setPlatform('contested', { instances: instances(1, 'on', 450) });
    const [onA, onB] = await Promise.all([
      a.call('POST', '/api/v1alpha1/endpoints?id=contested', { body: fileRegistration(harness(), 'contested', { interval_seconds: 2 }) }),
      b.call('POST', '/api/v1alpha1/endpoints?id=contested', { body: fileRegistration(harness(), 'contested', { interval_seconds: 3 }) }),
    ]);
    assert.deepEqual([onA.status, onB.status].sort(), [201, 409], `${onA.text} ${onB.text}`);
    const winner = onA.status === 201 ? 2 : 3;
    await eventually('the winner’s version in both registries', () => a.bridge.endpoints.get('contested')?.intervalSeconds === winner && b.bridge.endpoints.get('contested')?.intervalSeconds === winner, propagationLimitMs);
    everyId.push('contested');
    everyId.sort();

    // A replica started now finds them all.
    const c = await startReplica(config);
    try {
      assert.deepEqual(registered(c), everyId);
    } finally {
      await c.stop();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('a registration stored by an older version (keyv documents) loads, propagates its PATCH and is deleted from both layouts', async () => {
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('older', { instances: instances(1, 'on', 500) });
  const config = apiConfig(harness());
  const namespace = config.cache.namespace;
  const legacy = await openStateCache({ url: harness().redis.url, namespace });
  const stamp = '2024-01-02T03:04:05.000Z';
  try {
    // As the previous version wrote it: credentials in clear (no key was set), the id in a keyv list.
    await legacy.writeDocument('endpoint-registration', 'older', {
      input: { name: 'older', platform: 'file', file: `${harness().dir}/older.json`, intervalSeconds: 1, credentials: { token: 'older-credential-secret' } },
      createTime: stamp,
      updateTime: stamp,
    });
    const a = await startReplica(config);
    const b = await startReplica(config);
    try {
      for (const replica of [a, b]) {
        assert.equal(replica.bridge.endpoints.get('older')?.credentials['token'], 'older-credential-secret', 'loaded from the older layout');
        assert.equal((await replica.call('GET', '/api/v1alpha1/endpoints/older')).json()['create_time'], stamp);
      }
      // Loading re-sealed it (it was in clear) into the hash; the hash's copy wins from now on.
      assert.match(await redisCommand(harness().redis, 'HGET', `${namespace}:v2:registrations`, 'older'), /"sealedCredentials"/);

      const patched = await a.call('PATCH', '/api/v1alpha1/endpoints/older', { body: { interval_seconds: 3 }, contentType: 'application/merge-patch+json' });
      assert.equal(patched.status, 200, patched.text);
      await eventually('A’s PATCH in B’s copy', () => b.bridge.endpoints.get('older')?.intervalSeconds === 3, propagationLimitMs);

      assert.equal((await b.call('DELETE', '/api/v1alpha1/endpoints/older')).status, 204);
      await eventually('B’s DELETE in A’s registry', () => a.bridge.endpoints.get('older') === undefined, propagationLimitMs);
      assert.equal(await legacy.readDocument('endpoint-registration', 'older'), undefined, 'the older record is gone');
      assert.equal(await redisCommand(harness().redis, 'HEXISTS', `${namespace}:v2:registrations`, 'older'), '0', 'and so is the hash’s');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const restarted = await startReplica(config);
    try {
      assert.equal((await restarted.call('GET', '/api/v1alpha1/endpoints/older')).status, 404, 'it does not come back from either layout');
    } finally {
      await restarted.stop();
    }
  } finally {
    await legacy.close();
  }
});

test('a Redis user without pub/sub channels: the replica says what its ACL lacks, registrations still arrive by the periodic re-read, and the subscription is made once the ACL allows it', async () => {
  const password = 'acl-user-password-0123';
  // Everything in its namespace except pub/sub channels (Redis 7 grants none unless listed).
  const redis = await startRedis({ aclUsers: [['dcm-bridge', 'on', `>${password}`, '~*', '+@all', 'resetchannels']] });
  harness().setPlatform('lab', { instances: instances(1, 'on', 900) });
  harness().setPlatform('acl', { instances: instances(1, 'on', 600) });
  const config = apiConfig(harness(), { env: { DCM_BRIDGE_CACHE_URL: redis.url, DCM_BRIDGE_CACHE_USERNAME: 'dcm-bridge', DCM_BRIDGE_CACHE_PASSWORD: password } });
  const follow = { reconcileIntervalMs: 400, resubscribeDelayMs: 200 };
  const a = await startReplica(config, follow);
  const b = await startReplica(config, follow);
  try {
    assert.equal(b.follower.subscribed, false);
    const refusal = b.logLines.find((line) => line.includes('NOPERM'));
    assert.ok(refusal, b.logLines.join(''));
    assert.match(refusal, /\+@pubsub and &<namespace>:\*/, 'names what the ACL needs');
    assert.match(refusal, /full re-read every 0.4 s/);

    assert.equal((await a.call('POST', '/api/v1alpha1/endpoints?id=acl', { body: fileRegistration(harness(), 'acl') })).status, 201, 'the API still works');
    assert.ok(a.logLines.some((line) => line.includes('the other replicas were not told that registration acl changed')), a.logLines.join(''));
    await eventually('the registration in B by the periodic re-read', () => b.bridge.endpoints.get('acl'), 5_000);

    await redisCommand(redis, 'ACL', 'SETUSER', 'dcm-bridge', 'allchannels');
    await eventually('B subscribed once the ACL allows it', () => b.follower.subscribed, 5_000);
    assert.ok(b.logLines.some((line) => line.includes('is subscribed after failing')), 'and it re-read everything then');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await redis.dispose();
  }
});
