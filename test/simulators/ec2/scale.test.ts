import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createEc2Simulator } from './index.js';
import { sdkClient } from './support.js';

// Timings are printed for the reader, never asserted: the machine may be busy.
const INSTANCE_COUNT = 100_000;
const TAGGED = 90_000;

async function timed<Result>(label: string, work: () => Promise<Result> | Result): Promise<Result> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe(`EC2 simulator with ${INSTANCE_COUNT.toLocaleString('en')} instances`, () => {
  const simulator = createEc2Simulator();
  let running: RunningServer;

  before(async () => {
    await timed(`seeding ${INSTANCE_COUNT} instances (${TAGGED} DCM-tagged)`, () => simulator.seedDcmInstances({ count: INSTANCE_COUNT, tagged: TAGGED }));
    running = await simulator.start();
  });
  after(() => running.close());

  it('pages all DCM-tagged instances with the SDK, MaxResults 1000', async () => {
    const client = sdkClient(running.url);
    let pages = 0;
    const ids = new Set<string>();
    await timed(`SDK paginateDescribeInstances over ${TAGGED} matches`, async () => {
      for await (const page of paginateDescribeInstances({ client }, { MaxResults: 1000, Filters: [{ Name: 'tag:managed-by', Values: ['dcm'] }, { Name: 'tag-key', Values: ['dcm-instance-id'] }] })) {
        pages += 1;
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            ids.add(instance.InstanceId ?? '');
          }
        }
      }
    });
    assert.equal(pages, TAGGED / 1000);
    assert.equal(ids.size, TAGGED);
    const { matchCacheHits, matchCacheMisses } = simulator.inventory.counts();
    console.log(`match list computed ${matchCacheMisses} time(s), reused ${matchCacheHits} time(s)`);
    assert.equal(matchCacheMisses, 1);
  });

  it('answers a selective filter without walking every instance', async () => {
    const client = sdkClient(running.url);
    const found = await timed('one tag:dcm-instance-id lookup among 100,000', async () => {
      const instances: string[] = [];
      for await (const page of paginateDescribeInstances({ client }, { MaxResults: 5, Filters: [{ Name: 'tag:dcm-instance-id', Values: ['inst-54321'] }] })) {
        instances.push(...(page.Reservations ?? []).flatMap((reservation) => (reservation.Instances ?? []).map((instance) => instance.InstanceId ?? '')));
      }
      return instances;
    });
    assert.equal(found.length, 1);
  });
});
