import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { createTargetPolicy, type Resolver } from '../../../src/api/index.js';
import { BridgeError } from '../../../src/errors/index.js';
import { createConnectGuard, type ConnectGuard } from '../../../src/platform-http/index.js';

/** Calls the guard's lookup as `net.connect` does and returns what it answered. */
function lookup(guard: ConnectGuard, host: string, options: LookupOptions): Promise<{ error: (Error & { code?: string }) | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) => guard.lookup(host, options, (error, address, family) => resolve({ error, address, ...(family === undefined ? {} : { family }) })));
}

const dns: Record<string, string[]> = {
  'dual.example': ['93.184.216.34', '2606:4700::1111'],
  'rebound.example': ['93.184.216.34', '169.254.169.254'],
  'v6metadata.example': ['fd00:ec2::254'],
  'lab.example': ['127.0.0.1'],
};
const asked: string[] = [];
const resolver: Resolver = async (host) => {
  asked.push(host);
  if (host === 'broken.example') throw Object.assign(new Error('getaddrinfo EAI_AGAIN broken.example'), { code: 'EAI_AGAIN' });
  return dns[host] ?? [];
};
const guard = createConnectGuard(createTargetPolicy({ allowedTargets: [], allowPrivateTargets: false }, resolver), { endpoint: 'reg-1', platform: 'openstack' });

test('a host name is resolved once through the policy’s resolver and answered with the checked addresses only', async () => {
  asked.length = 0;
  const all = await lookup(guard, 'Dual.Example', { all: true, hints: 32 });
  assert.equal(all.error, null);
  assert.deepEqual(all.address, [
    { address: '93.184.216.34', family: 4 },
    { address: '2606:4700::1111', family: 6 },
  ]);
  const one = await lookup(guard, 'dual.example', {});
  assert.deepEqual([one.address, one.family], ['93.184.216.34', 4], 'without `all`, the first address');
  const v6 = await lookup(guard, 'dual.example', { family: 6 });
  assert.deepEqual([v6.address, v6.family], ['2606:4700::1111', 6], 'a family asked for filters the answers');
  assert.deepEqual(asked, ['dual.example', 'dual.example', 'dual.example'], 'one resolution per connection, lower-cased');
});

test('one forbidden address among several refuses the connection with PERMISSION_DENIED naming host, address and rule', async () => {
  const mixed = await lookup(guard, 'rebound.example', { all: true });
  assert.ok(mixed.error instanceof BridgeError);
  assert.equal(mixed.error.code, 'PERMISSION_DENIED');
  assert.equal(mixed.error.message, 'openstack endpoint reg-1: not connecting: host rebound.example resolves to 169.254.169.254, which is a metadata address (refused unless a CIDR in api.allowedTargets covers it)');
  assert.deepEqual({ ...mixed.error.context }, {
    endpoint: 'reg-1',
    platform: 'openstack',
    host: 'rebound.example',
    address: '169.254.169.254',
    targetProblem: 'refused',
    reason: 'host rebound.example resolves to 169.254.169.254, which is a metadata address (refused unless a CIDR in api.allowedTargets covers it)',
  });
  const v6 = await lookup(guard, 'v6metadata.example', { all: true });
  assert.match(v6.error?.message ?? '', /resolves to fd00:ec2::254, which is a metadata address/);
  const loopback = await lookup(guard, 'lab.example', { all: true });
  assert.match(loopback.error?.message ?? '', /resolves to 127\.0\.0\.1, which is a loopback address \(refused unless api\.allowPrivateTargets/);
});

test('a host without addresses fails as DNS does; the resolver’s own error is passed on', async () => {
  const none = await lookup(guard, 'nowhere.example', { all: true });
  assert.equal(none.error?.code, 'ENOTFOUND');
  assert.match(none.error?.message ?? '', /nowhere\.example/);
  const broken = await lookup(guard, 'broken.example', { all: true });
  assert.equal(broken.error?.code, 'EAI_AGAIN');
  const noV4 = await lookup(guard, 'v6only.example', { family: 4 });
  assert.equal(noV4.error?.code, 'ENOTFOUND');
});

test('IP literals are judged without the resolver, bracketed or not', async () => {
  asked.length = 0;
  assert.equal(guard.refuseLiteral('platform.example'), undefined, 'names are left to lookup');
  assert.equal(guard.refuseLiteral('93.184.216.34'), undefined);
  assert.equal(guard.refuseLiteral('169.254.169.254')?.code, 'PERMISSION_DENIED');
  assert.match(guard.refuseLiteral('[::ffff:169.254.169.254]')?.message ?? '', /::ffff:169\.254\.169\.254 is a metadata address/);
  assert.match(guard.refuseLiteral('[::1]')?.message ?? '', /::1 is a loopback address/);
  const bracketed = await lookup(guard, '[fd00:ec2::254]', { all: true });
  assert.match(bracketed.error?.message ?? '', /fd00:ec2::254 is a metadata address/, 'a bracketed literal handed to lookup is its own address');
  assert.deepEqual(asked, []);
});
