import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { call, loginApi, loginRest } from './support.js';

const simulator = createVsphereSimulator({ maxVmListResults: 4000 });
let running: RunningServer;
let url: string;
let apiToken: string;
let restToken: string;

const TOO_MANY_MATCHES = {
  id: 'com.vmware.api.vcenter.vm.too_many_matches',
  default_message: 'Too many virtual machines. Add more filter criteria to reduce the number.',
  args: [],
};

function ids(answer: unknown): string[] {
  return (answer as { vm: string }[]).map((summary) => summary.vm);
}

describe('vSphere VM list, get and power', () => {
  before(async () => {
    // vm-1001 … vm-5000: 4,000 VMs, then 2 more for the limit tests.
    simulator.inventory.bulkCreateVms({ count: 4000, namePrefix: 'bulk' });
    simulator.inventory.addVm({ id: 'vm-9001', name: 'alpha', powerState: 'POWERED_OFF', cpuCount: 4, memorySizeMiB: 8192 });
    simulator.inventory.addVm({ id: 'vm-9002', name: 'beta, with comma', powerState: 'SUSPENDED' });
    running = await simulator.start();
    url = running.url;
    apiToken = await loginApi(url, DEFAULT_CREDENTIALS);
    restToken = await loginRest(url, DEFAULT_CREDENTIALS);
  });
  after(() => running.close());

  it('refuses an unfiltered list matching more than 4,000 VMs with 400 unable_to_allocate_resource (/api)', async () => {
    const answer = await call(url, '/api/vcenter/vm', { token: apiToken });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json, { error_type: 'UNABLE_TO_ALLOCATE_RESOURCE', messages: [TOO_MANY_MATCHES] });
  });

  it('refuses it in the /rest shape too', async () => {
    const answer = await call(url, '/rest/vcenter/vm', { token: restToken });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json, {
      type: 'com.vmware.vapi.std.errors.unable_to_allocate_resource',
      value: { error_type: 'UNABLE_TO_ALLOCATE_RESOURCE', messages: [TOO_MANY_MATCHES] },
    });
  });

  it('refuses a vms filter naming 4,001 existing VMs, and serves one naming exactly 4,000', async () => {
    const all = Array.from({ length: 4000 }, (_, index) => `vm-${1001 + index}`);
    const tooMany = await call(url, `/api/vcenter/vm?${[...all, 'vm-9001'].map((id) => `vms=${id}`).join('&')}`, { token: apiToken });
    assert.equal(tooMany.status, 400);
    const exactly = await call(url, `/api/vcenter/vm?${all.map((id) => `vms=${id}`).join('&')}`, { token: apiToken });
    assert.equal(exactly.status, 200);
    assert.equal(ids(exactly.json).length, 4000);
  });

  it('answers only the VMs that exist when a vms filter names unknown ids too', async () => {
    const answer = await call(url, '/api/vcenter/vm?vms=vm-9001&vms=vm-404&vms=vm-9001', { token: apiToken });
    assert.deepEqual(answer.json, [{ vm: 'vm-9001', name: 'alpha', power_state: 'POWERED_OFF', cpu_count: 4, memory_size_MiB: 8192 }]);
  });

  it('accepts vms repeated or comma-separated on /api, and filter.vms repeated or indexed on /rest', async () => {
    assert.deepEqual(ids((await call(url, '/api/vcenter/vm?vms=vm-9001&vms=vm-9002', { token: apiToken })).json), ['vm-9001', 'vm-9002']);
    assert.deepEqual(ids((await call(url, '/api/vcenter/vm?vms=vm-9001,vm-9002', { token: apiToken })).json), ['vm-9001', 'vm-9002']);
    const repeated = await call(url, '/rest/vcenter/vm?filter.vms=vm-9001&filter.vms=vm-9002', { token: restToken });
    assert.deepEqual(ids((repeated.json as { value: unknown }).value), ['vm-9001', 'vm-9002']);
    const indexed = await call(url, '/rest/vcenter/vm?filter.vms.1=vm-9002&filter.vms.2=vm-9001', { token: restToken });
    assert.deepEqual(ids((indexed.json as { value: unknown }).value), ['vm-9002', 'vm-9001']);
  });

  it('combines filters with AND and values of one filter with OR', async () => {
    const offOrSuspended = await call(url, '/api/vcenter/vm?power_states=POWERED_OFF&power_states=SUSPENDED', { token: apiToken });
    assert.deepEqual(ids(offOrSuspended.json), ['vm-9001', 'vm-9002']);
    const both = await call(url, '/api/vcenter/vm?vms=vm-9001&vms=vm-9002&power_states=SUSPENDED', { token: apiToken });
    assert.deepEqual(ids(both.json), ['vm-9002']);
    const byName = await call(url, `/api/vcenter/vm?names=${encodeURIComponent('beta, with comma')}`, { token: apiToken });
    assert.deepEqual(ids(byName.json), ['vm-9002'], 'names are never split on commas');
    const restPower = await call(url, '/rest/vcenter/vm?filter.power_states=POWERED_OFF', { token: restToken });
    assert.deepEqual(ids((restPower.json as { value: unknown }).value), ['vm-9001']);
    const otherCluster = await call(url, '/api/vcenter/vm?vms=vm-9001&clusters=domain-c999', { token: apiToken });
    assert.deepEqual(otherCluster.json, []);
  });

  it('answers 400 invalid_argument for an unknown power state', async () => {
    const answer = await call(url, '/api/vcenter/vm?power_states=RUNNING', { token: apiToken });
    assert.equal(answer.status, 400);
    assert.equal((answer.json as { error_type: string }).error_type, 'INVALID_ARGUMENT');
  });

  it('can insist on the repeated form only', async () => {
    const strict = createVsphereSimulator({ acceptCommaSeparatedFilters: false });
    strict.inventory.addVm({ id: 'vm-1', name: 'one' });
    strict.inventory.addVm({ id: 'vm-2', name: 'two' });
    const server = await strict.start();
    try {
      const token = await loginApi(server.url, DEFAULT_CREDENTIALS);
      assert.deepEqual((await call(server.url, '/api/vcenter/vm?vms=vm-1,vm-2', { token })).json, []);
    } finally {
      await server.close();
    }
  });

  it('gets one VM, or 404 not_found with vCenter\'s message', async () => {
    const found = await call(url, '/api/vcenter/vm/vm-9001', { token: apiToken });
    assert.equal(found.status, 200);
    assert.equal((found.json as { name: string }).name, 'alpha');
    const missing = await call(url, '/api/vcenter/vm/vm-404', { token: apiToken });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, {
      error_type: 'NOT_FOUND',
      messages: [{ id: 'com.vmware.api.vcenter.vm.not_found', default_message: "Virtual machine with identifier 'vm-404' does not exist.", args: ['vm-404'] }],
    });
    const restMissing = await call(url, '/rest/vcenter/vm/vm-404', { token: restToken });
    assert.equal(restMissing.status, 404);
    assert.equal((restMissing.json as { type: string }).type, 'com.vmware.vapi.std.errors.not_found');
  });

  it('reports the power state, following changes made through the control API', async () => {
    assert.deepEqual((await call(url, '/api/vcenter/vm/vm-9001/power', { token: apiToken })).json, { state: 'POWERED_OFF', clean_power_off: true });
    const changed = await call(url, '/_sim/vms/vm-9001/power', { json: { state: 'POWERED_ON' } });
    assert.equal(changed.status, 200);
    assert.deepEqual((await call(url, '/api/vcenter/vm/vm-9001/power', { token: apiToken })).json, { state: 'POWERED_ON' });
    assert.deepEqual((await call(url, '/rest/vcenter/vm/vm-9001/power', { token: restToken })).json, { value: { state: 'POWERED_ON' } });
    simulator.inventory.setPowerState('vm-9001', 'POWERED_OFF');
    assert.deepEqual(ids((await call(url, '/api/vcenter/vm?power_states=POWERED_OFF', { token: apiToken })).json), ['vm-9001']);
  });

  it('answers unknown paths and actions with the flavor\'s 404 shape', async () => {
    const api = await call(url, '/api/vcenter/nothing', { token: apiToken });
    assert.equal(api.status, 404);
    assert.equal((api.json as { error_type: string }).error_type, 'NOT_FOUND');
    const rest = await call(url, '/rest/com/vmware/cis/tagging/tag-association?~action=bogus', { method: 'POST', token: restToken });
    assert.equal(rest.status, 404);
    assert.equal((rest.json as { type: string }).type, 'com.vmware.vapi.std.errors.operation_not_found');
  });
});
