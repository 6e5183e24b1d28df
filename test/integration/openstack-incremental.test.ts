// Issue #14, must-shows 1 and 3 on Nova, through the whole bridge (the OpenStack adapter against the
// simulator, real Redis and NATS JetStream): a steady incremental poll of 100,000 managed servers costs
// one request and publishes exactly the transitions; a deletion is one DELETED at once; a cursor Nova no
// longer takes lists in full within the same poll, without losing or repeating a transition.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useHarness } from '../support/harness.js';
import { startOpenstackBridge, startOpenstackLab, type OpenstackLab } from '../support/openstack-lab.js';

const harness = useHarness();
const listRoute = 'GET /compute/v2.1/servers/detail';
const showRoute = 'GET /compute/v2.1/servers/{server_id}';
// Nova's clock; the bridge keeps its own (the cursor never mixes the two).
let now = Date.parse('2025-06-01T08:00:00Z');
let lab: OpenstackLab;
before(async () => {
  lab = await startOpenstackLab({ simulator: { now: () => now, maxLimit: 1000, tokenTtlSeconds: 30 * 24 * 3600 } });
});
after(() => lab.close());

const transitions = (messages: readonly { event: { data: { id: string; status: string } } }[]): string[] => messages.map((message) => `${message.event.data.id}:${message.event.data.status}`).sort();

test('100,000 managed servers, 10 changed and 1 deleted between polls: the incremental poll costs 1 request and publishes exactly those 10 transitions and one DELETED, at once', { timeout: 600_000 }, async () => {
  const name = 'os-incr-100k';
  const ids = lab.simulator.seedDcmServers({ count: 100_000, tagged: 100_000 }).map((server) => server.serverId);
  now += 600_000;
  const { bridge, events } = await startOpenstackBridge(harness(), [lab.endpointInput({ name })], { fullListSeconds: 3600 });

  let started = Date.now();
  const first = await bridge.runOnce();
  const fullMs = Date.now() - started;
  assert.ok(first.ok, JSON.stringify(first.endpoints));
  assert.equal(first.endpoints[0]?.lastReport?.kind, 'full');
  const fullRequests = lab.simulator.stats().byRoute[listRoute];
  const base = (await events(name)).length;
  assert.equal(base, 100_000);

  now += 30_000;
  const changed = [3, 1000, 2001, 33_333, 50_000, 66_666, 70_001, 88_888, 99_001, 99_999].map((index) => ids[index] ?? '');
  changed.forEach((id) => lab.simulator.servers.setState(id, { vmState: 'stopped' }));
  const gone = ids[42_424] ?? '';
  lab.simulator.servers.markDeleted(gone);
  lab.simulator.resetStats();
  started = Date.now();
  const steady = await bridge.runOnce();
  const steadyMs = Date.now() - started;
  assert.ok(steady.ok, JSON.stringify(steady.endpoints));
  assert.equal(steady.endpoints[0]?.lastReport?.kind, 'incremental');
  const requests = lab.simulator.stats();
  console.log(`# Nova 100k managed through the bridge: full poll ${fullRequests} list requests (${fullMs} ms), steady incremental poll ${requests.total} request(s) (${steadyMs} ms)`);
  assert.ok(requests.total <= 2, `a steady poll costs at most 2 requests, got ${requests.total}`);
  assert.equal(requests.byRoute[listRoute], 1);
  assert.equal(requests.byRoute[showRoute], undefined, 'the deletion needed no confirming GET');

  const instanceIdOf = (id: string): string => `inst-${String(ids.indexOf(id) + 1).padStart(5, '0')}`;
  const published = (await events(name)).slice(base);
  assert.deepEqual(transitions(published), [...changed.map((id) => `${instanceIdOf(id)}:STOPPED`), `${instanceIdOf(gone)}:DELETED`].sort());
  const deleted = published.find((message) => message.event.data.status === 'DELETED');
  assert.match(deleted?.event.data.message ?? '', /changes-since lists a deleted record, status DELETED/);

  // 30 s later nothing changed: Nova lists the same servers again (inside the 60 s margin), DCM hears nothing.
  now += 30_000;
  lab.simulator.resetStats();
  const quiet = await bridge.runOnce();
  assert.ok(quiet.ok);
  assert.equal(quiet.endpoints[0]?.lastReport?.kind, 'incremental');
  assert.equal(lab.simulator.stats().total, 1);
  assert.equal((await events(name)).length, base + 11, 'no repeat, no second DELETED');
});

test('a cursor older than changesSinceMaxAgeSeconds is refused: one full list in the same poll, no lost and no duplicate transition', { timeout: 120_000 }, async () => {
  lab.simulator.reset();
  const name = 'os-incr-aged';
  const ids = lab.simulator.seedDcmServers({ count: 60, tagged: 50, firstInstanceNumber: 500 }).map((server) => server.serverId);
  now += 600_000;
  const { bridge, events } = await startOpenstackBridge(harness(), [lab.endpointInput({ name, extra: { changesSinceMaxAgeSeconds: 3600 } })], { fullListSeconds: 3600 });
  assert.ok((await bridge.runOnce()).ok);
  const base = (await events(name)).length;
  assert.equal(base, 50);
  now += 60_000;
  lab.simulator.servers.setState(ids[1] ?? '', { vmState: 'stopped' });
  const incremental = await bridge.runOnce();
  assert.equal(incremental.endpoints[0]?.lastReport?.kind, 'incremental');

  // The bridge was away for two hours of Nova's time: a change, and a server brought under DCM meanwhile.
  now += 2 * 3600_000;
  lab.simulator.servers.setState(ids[2] ?? '', { vmState: 'paused' });
  lab.simulator.servers.setTags(ids[55] ?? '', ['managed-by=dcm']);
  lab.simulator.servers.setMetadata(ids[55] ?? '', { 'dcm-instance-id': 'inst-00555' });
  lab.simulator.resetStats();
  const refused = await bridge.runOnce();
  assert.ok(refused.ok, JSON.stringify(refused.endpoints[0]?.lastError));
  assert.equal(refused.endpoints[0]?.lastReport?.kind, 'full', 'the poll fell back to a full list');
  assert.equal(lab.simulator.stats().byRoute[listRoute], 2, 'the refused first page, then the full list');
  assert.deepEqual(transitions((await events(name)).slice(base)), ['inst-00501:STOPPED', 'inst-00502:PAUSED', 'inst-00555:RUNNING']);
  const resets = await bridge.metrics.registry.getSingleMetricAsString('dcm_bridge_cursor_resets_total');
  assert.match(resets, new RegExp(`endpoint="${name}",reason="rejected"} 1`));

  // And the cursor the full list returned is taken again.
  now += 30_000;
  const next = await bridge.runOnce();
  assert.equal(next.endpoints[0]?.lastReport?.kind, 'incremental');
  assert.equal((await events(name)).length, base + 3);
});
