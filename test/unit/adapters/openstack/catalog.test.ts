import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/errors/index.js';
import { readCatalog, selectComputeUrl } from '../../../../adapters/openstack/catalog.js';
import { connectOpenstack, listServers, startOpenstackLab, type OpenstackLab } from '../../../support/openstack-lab.js';

const twoRegions = readCatalog(
  ['RegionOne', 'RegionTwo'].flatMap((region) => [
    { type: 'identity', endpoints: [{ interface: 'public', region_id: region, url: `https://keystone.${region}.example/v3` }] },
    { type: 'compute', endpoints: ['public', 'internal', 'admin'].map((name) => ({ interface: name, region_id: region, region, url: `https://nova-${name}.${region}.example/v2.1/` })) },
  ]),
);

describe('choosing the compute endpoint from the catalog', () => {
  test('by interface and region', () => {
    assert.equal(selectComputeUrl(twoRegions, { interface: 'internal', region: 'RegionTwo' }, 'os'), 'https://nova-internal.RegionTwo.example/v2.1');
    assert.equal(selectComputeUrl(twoRegions, { interface: 'public', region: 'RegionOne' }, 'os'), 'https://nova-public.RegionOne.example/v2.1');
  });

  test('several regions and no region set: an error listing the offers, never a guess', () => {
    assert.throws(() => selectComputeUrl(twoRegions, { interface: 'public', region: undefined }, 'os-multi'), (error: { code: string; message: string }) => {
      assert.equal(error.code, ErrorCode.ConfigInvalid);
      assert.match(error.message, /^openstack endpoint os-multi: the service catalog has compute endpoints with interface public in several regions \(RegionOne, RegionTwo\) and region is not set; the catalog offers public in RegionOne at https:\/\/nova-public\.RegionOne\.example\/v2\.1\/; internal in RegionOne/);
      return true;
    });
  });

  test('no match, or no compute service: the error says what the catalog offers', () => {
    assert.throws(() => selectComputeUrl(twoRegions, { interface: 'public', region: 'RegionThree' }, 'os'), /no compute endpoint with interface public in region RegionThree; the catalog offers public in RegionOne/);
    assert.throws(() => selectComputeUrl(readCatalog([{ type: 'identity', endpoints: [] }]), { interface: 'public', region: undefined }, 'os'), /the catalog offers no compute service at all\. Set region and interface to one of these, or computeUrl/);
  });
});

describe('catalog against the simulator', () => {
  let lab: OpenstackLab;
  before(async () => {
    lab = await startOpenstackLab({ simulator: { region: 'RegionOne' } });
    lab.simulator.seedDcmServers({ count: 5, tagged: 5 });
  });
  after(() => lab.close());

  test('interface internal in RegionOne is used; RegionTwo fails the poll with CONFIG_INVALID naming the offers', async () => {
    const internal = connectOpenstack(lab.endpointInput({ extra: { interface: 'internal', region: 'RegionOne' } }));
    assert.equal((await listServers(internal.connection)).instances.length, 5);
    const elsewhere = connectOpenstack(lab.endpointInput({ name: 'os-region2', extra: { region: 'RegionTwo' } }));
    await assert.rejects(listServers(elsewhere.connection), { code: ErrorCode.ConfigInvalid, message: /^openstack endpoint os-region2: the service catalog has no compute endpoint with interface public in region RegionTwo; the catalog offers public in RegionOne at http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1/ });
    await Promise.all([internal.connection.close(), elsewhere.connection.close()]);
  });
});

describe('computeUrl skips the catalog', () => {
  let lab: OpenstackLab;
  before(async () => {
    // Catalog and next links name an origin nobody can reach, as behind a misconfigured proxy.
    lab = await startOpenstackLab({ simulator: { publicUrl: 'http://nova.internal.invalid:8774', maxLimit: 100 } });
    lab.simulator.seedDcmServers({ count: 250, tagged: 250 });
  });
  after(() => lab.close());

  test('the configured computeUrl is used (token asked without catalog), and only the marker of next links is followed', async () => {
    const input = lab.endpointInput({ url: `${lab.url}/identity/v3`, extra: { computeUrl: `${lab.url}/compute/v2.1/` } });
    const { connection } = connectOpenstack(input);
    assert.equal((await listServers(connection)).instances.length, 250);
    assert.equal(lab.simulator.stats().byRoute['GET /compute/v2.1/servers/detail'], 3);
    await connection.close();

    const viaCatalog = connectOpenstack(lab.endpointInput({ url: `${lab.url}/identity/v3` }), { requestTimeoutMs: 2000 });
    await assert.rejects(listServers(viaCatalog.connection), { code: ErrorCode.PlatformUnreachable });
    await viaCatalog.connection.close();
  });
});
