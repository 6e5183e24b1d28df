import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEndpoint } from '../../../../src/config/index.js';
import { createNormalizer } from '../../../../src/normalize/index.js';
import { createAdapterRegistry } from '../../../../src/registry/index.js';
import { createVsphereAdapter, vsphereProtocolOf, vsphereStateTable } from '../../../../adapters/vsphere/index.js';
import { vimStateReading } from '../../../../adapters/vsphere/state-table.js';
import { selectByFields } from '../../../../adapters/vsphere/vim/fields.js';
import { createOpenstackAdapter } from '../../../../adapters/openstack/index.js';
import { memoryLogger } from '../../../support/harness.js';

const adapters = createAdapterRegistry([createVsphereAdapter(), createOpenstackAdapter()]);
const validate = (input: Record<string, unknown>) => validateEndpoint(input, adapters, { pathPrefix: 'endpoints[0]', defaultIntervalSeconds: 30, origin: 'config', checkFiles: false });
const vsphere = { name: 'vc-1', platform: 'vsphere', url: 'https://vcenter.example', credentials: { username: 'svc-dcm@vsphere.local', password: 'S3cret-Value' } };

test('selector.source defaults by apiFlavor: customAttribute with vim, tag with auto/api/rest; auto with customAttribute picks vim', () => {
  assert.deepEqual(vsphereProtocolOf('vim', undefined), { api: 'vim', source: 'customAttribute' });
  for (const flavor of ['auto', 'api', 'rest'] as const) assert.deepEqual(vsphereProtocolOf(flavor, undefined), { api: 'rest', source: 'tag', flavor });
  assert.deepEqual(vsphereProtocolOf('auto', 'customAttribute'), { api: 'vim', source: 'customAttribute' });
  assert.deepEqual(vsphereProtocolOf('rest', 'tag'), { api: 'rest', source: 'tag', flavor: 'rest' });

  const { endpoint, issues } = validate({ ...vsphere, apiFlavor: 'vim' });
  assert.deepEqual(issues, []);
  assert.equal(endpoint?.selector.source, undefined, 'unset stays unset: the adapter applies the default');
  assert.equal(validate({ ...vsphere, apiFlavor: 'auto', selector: { source: 'customAttribute' } }).endpoint?.selector.source, 'customAttribute');
});

test('validate-config: combinations that cannot work are refused, each under its key path', () => {
  for (const apiFlavor of ['api', 'rest']) {
    const { issues } = validate({ ...vsphere, apiFlavor, selector: { source: 'customAttribute' } });
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, 'endpoints[0].selector.source');
    assert.match(issues[0]?.message ?? '', new RegExp(`customAttribute is read through the Web Services API: it needs apiFlavor vim \\(or auto\\), not ${apiFlavor}`));
  }
  const tagOverVim = validate({ ...vsphere, apiFlavor: 'vim', selector: { source: 'tag' } }).issues;
  assert.deepEqual(tagOverVim.map((issue) => issue.path), ['endpoints[0].selector.source']);
  assert.match(tagOverVim[0]?.message ?? '', /tag is read through the REST tagging API: it needs apiFlavor api, rest or auto, not vim/);
  const unknown = validate({ ...vsphere, selector: { source: 'label' } }).issues;
  assert.deepEqual(unknown, [{ path: 'endpoints[0].selector.source', message: 'must be one of customAttribute, tag; got "label"' }]);
  assert.match(validate({ ...vsphere, apiFlavor: 'soap' }).issues[0]?.message ?? '', /must be one of auto, api, rest, vim/);
});

test('other platforms reject selector.source, naming the key', () => {
  const { issues } = validate({ name: 'os-1', platform: 'openstack', url: 'https://keystone.example/v3', credentials: { username: 'u', password: 'p', userDomainName: 'Default', projectName: 'p', projectDomainName: 'Default' }, selector: { source: 'tag' } });
  assert.deepEqual(issues, [{ path: 'endpoints[0].selector.source', message: "the openstack adapter has one way to find DCM's resources; remove selector.source" }]);
});

test('state table over vim: power states as REST spells them; disconnected/inaccessible keep the last known state; orphaned/invalid FAILED; an unknown connection state FAILED, named', () => {
  const normalize = createNormalizer({ table: vsphereStateTable, logger: memoryLogger().logger });
  const status = (power: string, connection: string) => {
    const reading = vimStateReading(power, connection);
    return { ...reading, ...normalize({ platformId: 'vm-1', instanceId: 'i-1', rawState: reading.rawState, name: 'web-1' }) };
  };
  assert.equal(status('poweredOn', 'connected').status, 'RUNNING');
  assert.equal(status('poweredOff', 'connected').status, 'STOPPED');
  assert.equal(status('suspended', 'connected').status, 'PAUSED');
  assert.equal(status('poweredOn', 'connected').message, 'VM web-1 is running (vsphere: powered on)', 'same wording as the REST path');
  for (const connection of ['disconnected', 'inaccessible']) {
    const reading = vimStateReading('poweredOn', connection);
    assert.match(reading.stateUnavailable ?? '', new RegExp(`connectionState ${connection}`), `${connection}: DCM keeps the state it was told`);
  }
  assert.deepEqual([status('poweredOn', 'orphaned').status, status('poweredOff', 'invalid').status], ['FAILED', 'FAILED']);
  assert.match(status('poweredOn', 'orphaned').message, /orphaned: no longer registered on its host/);
  assert.equal(vimStateReading('poweredOn', 'orphaned').stateUnavailable, undefined);
  const future = status('poweredOn', 'quarantined');
  assert.equal(future.status, 'FAILED');
  assert.match(future.message, /quarantined/);
  assert.equal(status('poweredOn', 'constructor').status, 'FAILED', 'only own keys of the rule table are rules');
  assert.equal(status('standby', 'connected').status, 'FAILED', 'a power state the table does not know');
});

test('custom values → selection: managed-by value, instance id, two disagreeing ids, keys created after the lookup', () => {
  const fields = { managedBy: new Set(['101']), instanceId: new Set(['102', '201']), known: new Set(['101', '102', '201', '300']) };
  const select = (entries: [string, string][]) => selectByFields(new Map(entries), fields, 'dcm');
  assert.deepEqual(select([['101', 'dcm'], ['102', 'inst-1']]), { managed: true, instanceId: 'inst-1', ambiguous: false, unknownKey: false });
  assert.equal(select([['101', 'other'], ['102', 'inst-1']]).managed, false);
  assert.equal(select([['300', 'dcm'], ['102', 'inst-1']]).managed, false, 'the value under another field does not count');
  assert.deepEqual(select([['101', 'dcm']]), { managed: true, instanceId: undefined, ambiguous: false, unknownKey: false });
  assert.deepEqual(select([['101', 'dcm'], ['102', 'a'], ['201', 'b']]), { managed: true, instanceId: undefined, ambiguous: true, unknownKey: false });
  assert.equal(select([['101', 'dcm'], ['102', 'a'], ['201', 'a']]).instanceId, 'a', 'two fields agreeing are one id');
  assert.equal(select([['101', 'dcm'], ['999', 'x']]).unknownKey, true);
});

test('the description says which endpoints list changes before any code loads: the Web Services API path only', async () => {
  const { vspherePlatform } = await import('../../../../adapters/vsphere/index.js');
  const listsChanges = (input: Record<string, unknown>): boolean | undefined => {
    const { endpoint } = validate(input);
    assert.ok(endpoint);
    return vspherePlatform.listsChanges?.(endpoint);
  };
  assert.equal(listsChanges({ ...vsphere, apiFlavor: 'vim' }), true);
  assert.equal(listsChanges({ ...vsphere, apiFlavor: 'auto', selector: { source: 'customAttribute' } }), true);
  for (const apiFlavor of ['auto', 'api', 'rest']) assert.equal(listsChanges({ ...vsphere, apiFlavor }), false, `${apiFlavor}: the REST tag path lists in full`);
});
