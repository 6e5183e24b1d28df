import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS, type SeededVm } from './index.js';
import { call, loginApi, loginRest } from './support.js';

// Timings are printed for the reader, never asserted: the machine may be busy.
const VM_COUNT = 100_000;
const simulator = createVsphereSimulator();
let running: RunningServer;
let url: string;
let apiToken: string;
let seeded: SeededVm[];

async function timed<Result>(label: string, work: () => Promise<Result> | Result): Promise<Result> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe(`vSphere simulator with ${VM_COUNT.toLocaleString('en')} VMs`, () => {
  before(async () => {
    seeded = await timed(`seeding ${VM_COUNT} tagged VMs`, () => simulator.seedDcmVms({ count: VM_COUNT, tagged: VM_COUNT }));
    running = await simulator.start();
    url = running.url;
    apiToken = await loginApi(url, DEFAULT_CREDENTIALS);
  });
  after(() => running.close());

  it('lists 1,000 VMs named by a vms filter (/api, repeated form)', async () => {
    const wanted = seeded.filter((_, index) => index % 100 === 7).map((vm) => vm.vmId);
    assert.equal(wanted.length, 1000);
    const answer = await timed('GET /api/vcenter/vm with 1,000 vms', () => call(url, `/api/vcenter/vm?${wanted.map((id) => `vms=${id}`).join('&')}`, { token: apiToken }));
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.json as { vm: string }[]).map((summary) => summary.vm), wanted);
  });

  it('lists 1,000 VMs named by filter.vms (/rest)', async () => {
    const restToken = await loginRest(url, DEFAULT_CREDENTIALS);
    const wanted = seeded.slice(50_000, 51_000).map((vm) => vm.vmId);
    const answer = await timed('GET /rest/vcenter/vm with 1,000 filter.vms', () =>
      call(url, `/rest/vcenter/vm?${wanted.map((id) => `filter.vms=${id}`).join('&')}`, { token: restToken }),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.json as { value: { vm: string }[] }).value.map((summary) => summary.vm), wanted);
  });

  it('refuses the unfiltered list quickly, without building 100,000 summaries', async () => {
    const answer = await timed('GET /api/vcenter/vm unfiltered (refused)', () => call(url, '/api/vcenter/vm', { token: apiToken }));
    assert.equal(answer.status, 400);
  });

  it('lists the 100,000 objects carrying managed-by=dcm in one tag-association call', async () => {
    const tag = simulator.inventory.findTag('managed-by', 'dcm');
    assert.ok(tag);
    const answer = await timed('list-attached-objects-on-tags for 100,000 VMs', () =>
      call(url, '/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { token: apiToken, json: { tag_ids: [tag.id] } }),
    );
    const [entry] = answer.json as { object_ids: { id: string }[] }[];
    assert.equal(entry?.object_ids.length, VM_COUNT);
  });

  it('finds the VMs of 1,000 instance-id tags through the index', async () => {
    const sample = seeded.slice(0, 1000);
    const tagIds = sample.map((vm) => simulator.inventory.findTag('dcm-instance-id', vm.instanceId ?? '')?.id);
    assert.ok(tagIds.every((id) => id !== undefined));
    const answer = await timed('list-attached-objects-on-tags for 1,000 tags', () =>
      call(url, '/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { token: apiToken, json: { tag_ids: tagIds } }),
    );
    const entries = answer.json as { tag_id: string; object_ids: { id: string }[] }[];
    assert.deepEqual(entries.map((entry) => entry.object_ids.map((object) => object.id)), sample.map((vm) => [vm.vmId]));
  });
});
