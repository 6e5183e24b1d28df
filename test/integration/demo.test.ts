import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runDemo } from '../../demo/index.js';

test('npm run demo: every platform (vCenter in both selection modes) publishes one event per managed instance, then stops cleanly', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const events: Array<{ dcmplatform: string; data: { id: string } }> = [];
  let notes = '';
  stderr.on('data', (chunk: Buffer) => (notes += chunk.toString()));
  let stop: ((signal: string) => void) | undefined;
  const firstPollsSeen = new Promise<void>((resolve) => {
    stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) events.push(JSON.parse(line) as (typeof events)[number]);
      if (new Set(events.map((event) => event.data.id)).size >= 60) resolve();
    });
  });
  const running = runDemo({ env: {}, stdout, stderr, onShutdownSignal: (handler) => (stop = handler) });
  await firstPollsSeen;
  stop?.('SIGINT');
  assert.equal(await running, 0, 'the bridge exits 0 on the signal');

  // Churn may add a change before every first poll is in, so count distinct instances, not events.
  const idsOf = (platform: string): Set<string> => new Set(events.filter((event) => event.dcmplatform === platform).map((event) => event.data.id));
  for (const platform of ['openstack', 'ec2']) assert.equal(idsOf(platform).size, 15, `one event for each of the 15 managed ${platform} instances`);
  const vsphereIds = [...idsOf('vsphere')].sort();
  const numbered = (first: number): string[] => Array.from({ length: 15 }, (_, index) => `inst-${String(first + index).padStart(5, '0')}`);
  assert.deepEqual(vsphereIds, [...numbered(1), ...numbered(301)], 'the tagged vCenter (REST) and the custom-attribute vCenter (vim25) each report their 15 managed VMs');
  assert.equal(new Set(events.map((event) => event.data.id)).size, 60, 'DCM ids are unique across the platforms');
  assert.ok(events.length < 60 + 10, 'beyond the first polls, only changes are published');
  assert.match(notes, /vCenter vc-demo sessions: 1 login\(s\), 1 logout\(s\), 0 left open/);
  assert.match(notes, /vCenter vc-demo-attributes sessions: 1 login\(s\), 1 logout\(s\), 0 left open/);
});
