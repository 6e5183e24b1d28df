import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeShapeDifferences, type RunningServer, type ShapeOptions } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { basicAuthorization, call, loginApi, loginRest, readVsphereFixture } from './support.js';

// A tiny inventory whose list limit (2) is low enough to provoke the refusal cheaply.
const simulator = createVsphereSimulator({ maxVmListResults: 2 });
let running: RunningServer;
let url: string;
let apiToken: string;
let restToken: string;
let tagId: string;
let categoryId: string;

/** Fields of `VM.Info` that vCenter leaves out when unset, and device maps the abridged samples do not show. */
const VM_INFO_OPTIONAL = ['hardware.upgrade_version', 'hardware.upgrade_error', 'boot.efi_legacy_boot', 'boot.network_protocol', 'memory.hot_add_increment_size_MiB', 'memory.hot_add_limit_MiB'];
const VM_INFO_DEVICES = ['disks', 'nics', 'cdroms', 'floppies', 'parallel_ports', 'serial_ports', 'sata_adapters', 'scsi_adapters'];
const underValue = (paths: readonly string[]): string[] => paths.map((path) => `value.${path}`);

interface FixtureCase {
  readonly fixture: string;
  /** Test title when one fixture is checked against several answers. */
  readonly label?: string;
  readonly fetch: () => Promise<unknown>;
  readonly shape?: ShapeOptions;
}

const VM_PAIR = 'vms=vm-1001&vms=vm-1002';
const json = async (path: string, options: Parameters<typeof call>[2] = {}): Promise<unknown> => (await call(url, path, options)).json;

const CASES: readonly FixtureCase[] = [
  {
    fixture: 'api-session-create.json',
    fetch: () => json('/api/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } }),
  },
  { fixture: 'api-vm-list.json', fetch: () => json(`/api/vcenter/vm?${VM_PAIR}`, { token: apiToken }) },
  { fixture: 'api-vm-get.json', fetch: () => json('/api/vcenter/vm/vm-1001', { token: apiToken }), shape: { optionalPaths: VM_INFO_OPTIONAL, extraPaths: VM_INFO_DEVICES } },
  { fixture: 'api-vm-power-get.json', fetch: () => json('/api/vcenter/vm/vm-1002/power', { token: apiToken }) },
  { fixture: 'api-tagging-category-list.json', fetch: () => json('/api/cis/tagging/category', { token: apiToken }) },
  { fixture: 'api-tagging-category-get.json', fetch: () => json(`/api/cis/tagging/category/${categoryId}`, { token: apiToken }) },
  { fixture: 'api-tagging-tag-list.json', fetch: () => json('/api/cis/tagging/tag', { token: apiToken }) },
  { fixture: 'api-tagging-tag-get.json', fetch: () => json(`/api/cis/tagging/tag/${tagId}`, { token: apiToken }) },
  {
    fixture: 'api-tagging-list-tags-for-category.json',
    fetch: () => json('/api/cis/tagging/tag?action=list-tags-for-category', { token: apiToken, json: { category_id: categoryId } }),
  },
  {
    fixture: 'api-tagging-list-attached-objects-on-tags.json',
    fetch: () => json('/api/cis/tagging/tag-association?action=list-attached-objects-on-tags', { token: apiToken, json: { tag_ids: [tagId] } }),
  },
  {
    fixture: 'api-tagging-list-attached-tags-on-objects.json',
    fetch: () => json('/api/cis/tagging/tag-association?action=list-attached-tags-on-objects', { token: apiToken, json: { object_ids: [{ type: 'VirtualMachine', id: 'vm-1001' }] } }),
  },
  { fixture: 'api-error.json', label: 'api-error.json (404 not_found)', fetch: () => json('/api/vcenter/vm/vm-404', { token: apiToken }), shape: { optionalPaths: ['messages[].params', 'messages[].localized', 'data'] } },
  { fixture: 'api-error.json', label: 'api-error.json (400 unable_to_allocate_resource)', fetch: () => json('/api/vcenter/vm', { token: apiToken }), shape: { optionalPaths: ['messages[].params', 'messages[].localized', 'data'] } },
  {
    fixture: 'rest-session-create.json',
    fetch: () => json('/rest/com/vmware/cis/session', { method: 'POST', headers: { authorization: basicAuthorization(DEFAULT_CREDENTIALS) } }),
  },
  { fixture: 'rest-vm-list.json', fetch: () => json(`/rest/vcenter/vm?filter.vms=vm-1001&filter.vms=vm-1002`, { token: restToken }) },
  { fixture: 'rest-vm-list-recorded.json', fetch: () => json(`/rest/vcenter/vm?filter.vms.1=vm-1001&filter.vms.2=vm-1002`, { token: restToken }) },
  {
    fixture: 'rest-vm-get.json',
    fetch: () => json('/rest/vcenter/vm/vm-1001', { token: restToken }),
    shape: { optionalPaths: underValue(VM_INFO_OPTIONAL), extraPaths: underValue(VM_INFO_DEVICES) },
  },
  { fixture: 'rest-vm-power-get.json', fetch: () => json('/rest/vcenter/vm/vm-1002/power', { token: restToken }) },
  { fixture: 'rest-tagging-category-get.json', fetch: () => json(`/rest/com/vmware/cis/tagging/category/id:${categoryId}`, { token: restToken }) },
  { fixture: 'rest-tagging-tag-get.json', fetch: () => json(`/rest/com/vmware/cis/tagging/tag/id:${tagId}`, { token: restToken }) },
  {
    fixture: 'rest-tagging-list-attached-objects-on-tags.json',
    fetch: () => json('/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-objects-on-tags', { token: restToken, json: { tag_ids: [tagId] } }),
  },
  {
    fixture: 'rest-tagging-list-attached-tags-on-objects.json',
    fetch: () => json('/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags-on-objects', { token: restToken, json: { object_ids: [{ type: 'VirtualMachine', id: 'vm-1001' }] } }),
  },
  {
    fixture: 'rest-tagging-list-attached-tags.json',
    fetch: () => json('/rest/com/vmware/cis/tagging/tag-association?~action=list-attached-tags', { token: restToken, json: { object_id: { type: 'VirtualMachine', id: 'vm-1001' } } }),
  },
  // vCenter 7.0 adds error_type inside value; the 6.5/6.7 samples predate it.
  { fixture: 'rest-error-unauthenticated.json', fetch: () => json('/rest/vcenter/vm'), shape: { optionalPaths: ['value.data'], extraPaths: ['value.error_type'] } },
  {
    fixture: 'rest-error-unable-to-allocate-resource.json',
    fetch: () => json('/rest/vcenter/vm', { token: restToken }),
    shape: { optionalPaths: ['value.data'], extraPaths: ['value.error_type'] },
  },
];

describe('vSphere simulator answers match the reference samples', () => {
  before(async () => {
    const [tagged] = simulator.seedDcmVms({ count: 1, tagged: 1 });
    assert.equal(tagged?.vmId, 'vm-1001');
    simulator.inventory.addVm({ id: 'vm-1002', name: 'powered-off', powerState: 'POWERED_OFF' });
    simulator.inventory.addVm({ id: 'vm-1003', name: 'third' });
    const tag = simulator.inventory.findTag('managed-by', 'dcm');
    assert.ok(tag);
    tagId = tag.id;
    categoryId = tag.categoryId;
    running = await simulator.start();
    url = running.url;
    apiToken = await loginApi(url, DEFAULT_CREDENTIALS);
    restToken = await loginRest(url, DEFAULT_CREDENTIALS);
  });
  after(() => running.close());

  for (const fixtureCase of CASES) {
    it(fixtureCase.label ?? fixtureCase.fixture, async () => {
      const actual = await fixtureCase.fetch();
      const reference = readVsphereFixture(fixtureCase.fixture);
      assert.deepEqual(describeShapeDifferences(actual, reference, fixtureCase.shape), []);
    });
  }

  it('finds a difference when there is one (the comparison is not vacuous)', () => {
    const reference = readVsphereFixture('api-vm-list.json');
    assert.deepEqual(describeShapeDifferences([{ vm: 'vm-1', name: 'x', power_state: 'POWERED_ON', cpu_count: '2' }], reference), [
      '[].cpu_count: expected number, got string',
      '[].memory_size_MiB: missing',
    ]);
  });
});
