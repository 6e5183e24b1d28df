import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { openStateCache, type InstanceRecord } from '../../src/cache/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { startRedis, type TestServer } from '../support/servers.js';

// Issue #10: a production Redis has requirepass or ACL users; the bridge must authenticate, and say clearly when it cannot.
const defaultPassword = 'requirepass-secret-4d1c';
const bridgePassword = 'acl-bridge-secret-93be';
const wrongPassword = 'wrong-secret-7f20';
const namespace = 'dcm-acl';
/** The least the bridge needs: its own keys, reads, writes, MULTI/EXEC, and INFO for the cache epoch (Redis's run id). */
const bridgeAcl = ['dcm-bridge', 'on', `>${bridgePassword}`, `~${namespace}:*`, '+@read', '+@write', '+@transaction', '+@connection', '+info'];

let redis: TestServer;
before(async () => {
  redis = await startRedis({ requirePass: defaultPassword, aclUsers: [bridgeAcl] });
});
after(async () => {
  await redis.dispose();
});

const record: InstanceRecord = { platformId: 'vm-1', instanceId: 'inst-1', status: 'RUNNING', message: 'on', rawState: 'on', sequence: 1, observedTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' };

/** The error `openStateCache` rejected with, and how long it took. */
async function openFailure(options: Parameters<typeof openStateCache>[0]): Promise<{ error: BridgeError; elapsedMs: number }> {
  const startedAt = performance.now();
  try {
    const cache = await openStateCache(options);
    await cache.close();
  } catch (error) {
    assert.ok(error instanceof BridgeError, `a BridgeError, not ${String(error)}`);
    return { error, elapsedMs: performance.now() - startedAt };
  }
  assert.fail('the cache opened');
}

test('with requirepass, cache.password opens the cache and what it wrote is there after a reopen', async () => {
  const options = { url: redis.url, namespace: 'dcm-requirepass', password: defaultPassword };
  const writer = await openStateCache(options);
  await writer.writeState('lab', { records: [record] });
  await writer.close();
  const reader = await openStateCache(options);
  try {
    assert.deepEqual(await reader.readInstances('lab', ['vm-1']), [record]);
  } finally {
    await reader.close();
  }
});

test('an ACL user confined to the namespace runs every cache operation the bridge uses', async () => {
  const cache = await openStateCache({ url: redis.url, namespace, username: 'dcm-bridge', password: bridgePassword });
  try {
    const epoch = await cache.currentEpoch();
    assert.ok(epoch.startedAt, 'a new epoch was started (INFO and SET allowed)');
    assert.equal((await cache.currentEpoch()).id, epoch.id, 'and found again');
    const entry = { missedLists: 0, instanceId: record.instanceId, status: record.status };
    const outboxEntry = { record, leavesIndex: false, event: { subject: 'dcm.vm', id: 'event-1', body: '{}' } };
    await cache.writeState('lab', { records: [record], index: { set: new Map([['vm-1', entry]]), epoch: epoch.id }, outboxAdd: [outboxEntry] });
    assert.deepEqual(await cache.readInstances('lab', ['vm-1']), [record]);
    assert.deepEqual(await cache.readIndex('lab'), { members: new Map([['vm-1', entry]]), epoch: epoch.id });
    assert.deepEqual(await cache.readOutbox('lab'), [outboxEntry]);
    await cache.writeState('lab', { index: { remove: ['vm-1'] }, outboxRemove: ['vm-1'] });
    assert.deepEqual([await cache.readIndex('lab'), await cache.readOutbox('lab')], [{ members: new Map(), epoch: epoch.id }, []]);
    await cache.writePollStart('lab', 1234);
    assert.equal(await cache.readPollStart('lab'), 1234);
    await cache.writeDocument('endpoint-registration', 'lab', { name: 'lab' });
    assert.deepEqual(await cache.listDocuments('endpoint-registration'), [{ id: 'lab', value: { name: 'lab' } }]);
    await cache.deleteDocument('endpoint-registration', 'lab');
    await cache.forgetEndpoint('lab');
    await cache.ping();
  } finally {
    await cache.close();
  }
});

test('the same ACL user outside its namespace is refused with NOPERM, named as a permission problem', async () => {
  const { error } = await openFailure({ url: redis.url, namespace: 'someone-else', username: 'dcm-bridge', password: bridgePassword });
  assert.equal(error.code, ErrorCode.CacheFailed);
  assert.match(error.message, /the Redis user lacks a permission the bridge needs \(check its ACL\): NOPERM/);
});

test('a wrong password fails the open at once with Redis\'s refusal, naming the keys to check and never the password', async () => {
  for (const credentials of [{ password: wrongPassword }, { username: 'dcm-bridge', password: wrongPassword }]) {
    const { error, elapsedMs } = await openFailure({ url: redis.url, namespace, ...credentials });
    assert.equal(error.code, ErrorCode.CacheFailed);
    assert.match(error.message, /Redis refused the credentials \(check cache\.username and cache\.password\): WRONGPASS/);
    // node-redis retries an AUTH failure forever; the open must not wait out its 5 s connect timeout.
    assert.ok(elapsedMs < 2000, `failed after ${Math.round(elapsedMs)} ms`);
    assert.ok(!inspect(error, { depth: 10 }).includes(wrongPassword), 'neither the message nor its cause chain carries the password');
  }
});

test('no password where Redis requires one fails with NOAUTH', async () => {
  const { error, elapsedMs } = await openFailure({ url: redis.url, namespace });
  assert.match(error.message, /Redis refused the credentials .*NOAUTH/);
  assert.ok(elapsedMs < 2000, `failed after ${Math.round(elapsedMs)} ms`);
});
