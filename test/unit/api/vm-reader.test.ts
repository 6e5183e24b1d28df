import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVmReader } from '../../../src/api/index.js';
import type { EndpointIndex, InstanceRecord } from '../../../src/cache/index.js';
import type { EndpointConfig } from '../../../src/config/index.js';
import type { VmStatus } from '../../../src/normalize/index.js';

const record = (platformId: string, instanceId: string, status: VmStatus): InstanceRecord => ({
  platformId,
  instanceId,
  status,
  message: `${instanceId} is ${status}`,
  rawState: null,
  sequence: 1,
  observedTime: '2026-01-01T00:00:00.000Z',
  lastTransitionTime: '2026-01-01T00:00:00.000Z',
});

const state: Record<string, InstanceRecord[]> = {
  beta: [record('b-1', 'inst-b1', 'RUNNING'), record('b-2', 'inst-b2', 'DELETED'), record('b-3', 'inst-b3', 'STOPPED')],
  alpha: [record('a-2', 'inst-a2', 'RUNNING'), record('a-1', 'inst-a1', 'RUNNING'), record('a-3', 'inst-a3', 'FAILED')],
};
const endpoint = (name: string) => ({ name, platform: 'file' }) as EndpointConfig;

function reader() {
  const reads: number[] = [];
  const vms = createVmReader({
    batchSize: 2,
    endpoints: () => [endpoint('beta'), endpoint('alpha')],
    cache: {
      readIndex: async (name): Promise<EndpointIndex> => ({ members: new Map((state[name] ?? []).map((entry) => [entry.platformId, { missedLists: 0, instanceId: entry.instanceId, status: entry.status }])) }),
      readInstances: async (name, ids) => {
        reads.push(ids.length);
        return ids.map((id) => state[name]?.find((entry) => entry.platformId === id));
      },
    },
  });
  return { vms, reads };
}

test('the list is ordered by endpoint and platform id, leaves DELETED out, and pages across endpoints', async () => {
  const { vms } = reader();
  const first = await vms.list({ pageSize: 3 });
  assert.deepEqual(first.results.map((vm) => vm.id), ['inst-a1', 'inst-a2', 'inst-a3']);
  assert.deepEqual(first.nextKey, ['alpha', 'a-3']);
  const second = await vms.list({ pageSize: 3, after: first.nextKey });
  assert.deepEqual(second.results.map((vm) => vm.id), ['inst-b1', 'inst-b3']);
  assert.equal(second.nextKey, undefined);
  assert.deepEqual(second.results[0], { id: 'inst-b1', path: 'vms/inst-b1', status: 'RUNNING', message: 'inst-b1 is RUNNING', endpoint: 'beta', platform: 'file', platform_id: 'b-1', observed_time: '2026-01-01T00:00:00.000Z', last_transition_time: '2026-01-01T00:00:00.000Z' });
});

test('filters: endpoint, and statuses (DELETED only when asked for)', async () => {
  const { vms } = reader();
  assert.deepEqual((await vms.list({ pageSize: 50, endpoint: 'beta' })).results.map((vm) => vm.id), ['inst-b1', 'inst-b3']);
  assert.deepEqual((await vms.list({ pageSize: 50, statuses: ['DELETED'] })).results.map((vm) => vm.id), ['inst-b2']);
  assert.deepEqual((await vms.list({ pageSize: 50, statuses: ['FAILED', 'STOPPED'] })).results.map((vm) => vm.id), ['inst-a3', 'inst-b3']);
});

test('a page stops reading once full; get finds DELETED records too', async () => {
  const { vms, reads } = reader();
  await vms.list({ pageSize: 1 });
  assert.deepEqual(reads, [2], 'one batch of the first endpoint was enough');
  assert.equal((await vms.get('inst-b2'))?.status, 'DELETED');
  assert.equal((await vms.get('inst-a2'))?.endpoint, 'alpha');
  assert.equal(await vms.get('inst-zz'), undefined);
});
