import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { createVmView, customValues, envelope, login, readResult, soapCall, viewRetrieval } from './vim/soap-client.js';

// Timings are printed for the reader, never asserted: the machine may be busy.
const VM_COUNT = 100_000;
const MANAGED = 20_000;
const PAGE = 1000;
const simulator = createVsphereSimulator();
let running: RunningServer;
let url: string;

async function timed<Result>(label: string, work: () => Promise<Result> | Result): Promise<Result> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe(`vim25 with ${VM_COUNT.toLocaleString('en')} VMs`, () => {
  before(async () => {
    await timed(`seeding ${VM_COUNT} VMs, ${MANAGED} with custom attributes`, () => simulator.seedDcmVms({ count: VM_COUNT, tagged: MANAGED, via: 'customAttribute' }));
    running = await simulator.start();
    url = running.url;
  });
  after(() => running.close());

  it(`pages through every VM in ${VM_COUNT / PAGE} pages of ${PAGE}: each VM once, exactly the managed ones carrying managed-by`, async () => {
    const cookie = await login(url, DEFAULT_CREDENTIALS);
    const viewId = await createVmView(url, cookie);
    const managedByKey = String(simulator.inventory.findCustomField('managed-by')?.key);
    simulator.resetStats();
    const paths = ['name', 'runtime.powerState', 'runtime.connectionState', 'customValue'];
    const seen = new Set<string>();
    let managed = 0;
    let token: string | undefined;
    let pages = 0;
    const pageTimes: number[] = [];
    do {
      const request =
        token === undefined
          ? envelope('RetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', viewRetrieval(viewId, paths, PAGE))
          : envelope('ContinueRetrievePropertiesEx', 'PropertyCollector', 'propertyCollector', `<token>${token}</token>`);
      const started = performance.now();
      const answer = await soapCall(url, request, cookie);
      pageTimes.push(performance.now() - started);
      const page = readResult(answer, token === undefined ? 'RetrievePropertiesEx' : 'ContinueRetrievePropertiesEx');
      assert.ok(page.objects.length <= PAGE);
      for (const object of page.objects) {
        assert.ok(!seen.has(object.id), `${object.id} listed twice`);
        seen.add(object.id);
        if (customValues(object.props.customValue)[managedByKey] === 'dcm') {
          managed += 1;
        }
      }
      token = page.token;
      pages += 1;
    } while (token !== undefined);
    assert.equal(pages, VM_COUNT / PAGE);
    assert.equal(seen.size, VM_COUNT);
    assert.equal(managed, MANAGED);
    const byRoute = simulator.stats().byRoute;
    assert.equal(byRoute['POST /sdk RetrievePropertiesEx'], 1);
    assert.equal(byRoute['POST /sdk ContinueRetrievePropertiesEx'], VM_COUNT / PAGE - 1);
    const sorted = [...pageTimes].sort((left, right) => left - right);
    console.log(`page of ${PAGE} (HTTP round trip, parse included): first ${pageTimes[0]?.toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`);
  });
});
