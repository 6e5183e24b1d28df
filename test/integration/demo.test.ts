import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describeEvent, type CloudEventFields } from '../../examples/event-line.js';
import { runDemo } from '../../demo/index.js';

// 20x: the story (first polls, a deletion confirmed over two lists, three failed polls, a recovery) is ~80 s of demo time.
const speed = 20;

test('npm run demo: first polls of every platform, a confirmed deletion, an outage to unavailable and back, a human line per event; stops cleanly', { timeout: 60_000 }, async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let notes = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  let stop: ((signal: string) => void) | undefined;
  const told = new Promise<void>((resolve) => {
    stderr.on('data', (chunk: Buffer) => {
      notes += chunk.toString();
      if (notes.includes('demo: story: told')) resolve();
    });
  });
  const startedAt = performance.now();
  const running = runDemo({ env: {}, stdout, stderr, onShutdownSignal: (handler) => (stop = handler) }, { speed });
  await told;
  const storyMs = performance.now() - startedAt;
  stop?.('SIGINT');
  assert.equal(await running, 0, 'the bridge exits 0 on the signal');

  // Each event: its human line, then its JSON on the next line.
  const lines = out.split('\n').filter(Boolean);
  const events: CloudEventFields[] = [];
  lines.forEach((line, index) => {
    if (!line.startsWith('{')) return;
    const event = JSON.parse(line) as CloudEventFields;
    events.push(event);
    assert.equal(lines[index - 1], describeEvent(event), `the line before event ${event.id} describes it`);
  });
  assert.equal(lines.length, events.length * 2, 'nothing but events and their lines on stdout');

  // Churn may add a change before every first poll is in, so count distinct instances, not events.
  const dataOf = (event: CloudEventFields): { id: string; status: string } => event['data'] as { id: string; status: string };
  const idsOf = (platform: string): Set<string> => new Set(events.filter((event) => event['dcmplatform'] === platform).map((event) => dataOf(event).id));
  for (const platform of ['openstack', 'ec2']) assert.equal(idsOf(platform).size, 15, `one event for each of the 15 managed ${platform} instances`);
  const numbered = (first: number): string[] => Array.from({ length: 15 }, (_, index) => `inst-${String(first + index).padStart(5, '0')}`);
  assert.deepEqual([...idsOf('vsphere')].sort(), [...numbered(1), ...numbered(301)], 'the tagged vCenter (REST) and the custom-attribute vCenter (vim25) each report their 15 managed VMs');
  const churned = notes.split('\n').filter((line) => / is now /.test(line)).length;
  assert.ok(events.length <= 60 + churned + 1, `beyond the first polls, only changes are published: ${events.length} events, ${churned} changes and one deletion`);

  // (a) The deletion: announced by the story, published once as DELETED with vCenter's 404 as evidence.
  const [, deletedId] = /story: vCenter vc-demo: vm-\d+ \((inst-\d+)\) deleted/.exec(notes) ?? [];
  assert.ok(deletedId, `the story deleted a vc-demo VM:\n${notes}`);
  const deletions = events.filter((event) => dataOf(event).status === 'DELETED');
  assert.deepEqual(deletions.map((event) => dataOf(event).id), [deletedId], 'exactly the deleted VM is reported DELETED');
  assert.match(describeEvent(deletions[0]!), new RegExp(`^vm ${deletedId} \\w+ → DELETED \\(vc-demo\\): .*answered 404`));

  // (b) The outage: the endpoint's health through the API at each change, /health beside it, then the recovery.
  const healthNotes = notes.split('\n').filter((line) => line.startsWith('demo: story: os-demo ') && line.includes('GET /health'));
  assert.deepEqual(
    healthNotes.map((line) => /os-demo (\w+ → \w+): GET \/health → (healthy|unhealthy); GET \/api\/v1alpha1\/endpoints\/os-demo\/status → (\w+) /.exec(line)).map((match) => match && [match[1], match[3]]),
    [
      ['healthy → unhealthy', 'unhealthy'],
      ['unhealthy → unavailable', 'unavailable'],
      ['unavailable → healthy', 'healthy'],
    ],
    `os-demo went unhealthy, unavailable, healthy again:\n${healthNotes.join('\n')}`,
  );
  assert.match(healthNotes[1] ?? '', /3 consecutive polls failed; last: .*503/, 'the status names the outage');
  assert.ok(notes.indexOf(`${deletedId} reported DELETED; now os-demo goes down`) < notes.indexOf('os-demo healthy → unhealthy'), 'the outage follows the deletion');

  assert.match(notes, /vCenter vc-demo sessions: 1 login\(s\), 1 logout\(s\), 0 left open/);
  assert.match(notes, /vCenter vc-demo-attributes sessions: 1 login\(s\), 1 logout\(s\), 0 left open/);
  process.stderr.write(`# story told in ${Math.round(storyMs)} ms at ${speed}x\n`);
});
