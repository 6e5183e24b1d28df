import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger, startHarness, type Harness } from '../support/harness.js';
import { startOpenstackBridge, startOpenstackLab, type OpenstackLab } from '../support/openstack-lab.js';

let harness: Harness;
let lab: OpenstackLab;
before(async () => {
  harness = await startHarness();
  lab = await startOpenstackLab();
});
after(async () => {
  await lab.close();
  await harness.dispose();
});

test('BUILD → ACTIVE → powering-off → SHUTOFF → deleting → gone: PROVISIONING, RUNNING, STOPPING, STOPPED, DELETING, DELETED, one event each', async () => {
  const name = 'os-life';
  lab.simulator.seedDcmServers({ count: 6, tagged: 4, firstInstanceNumber: 100 }); // steady neighbours, untouched
  const server = lab.simulator.servers.add({ name: 'web-42', vmState: 'building', taskState: 'spawning', tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': 'inst-42' } });
  const { logger, lines } = memoryLogger('debug');
  const { bridge, events } = await startOpenstackBridge(harness, [lab.endpointInput({ name })], { dependencies: { logger } });
  const statusesOf = async (): Promise<string[]> => (await events(name)).filter((message) => message.event.data.id === 'inst-42').map((message) => message.event.data.status);

  const first = await bridge.runOnce();
  assert.ok(first.ok, JSON.stringify(first.endpoints));
  assert.equal((await events(name)).length, 5, 'the four neighbours and web-42');
  const [event] = (await events(name)).filter((message) => message.event.data.id === 'inst-42');
  assert.deepEqual(event?.event.data, { id: 'inst-42', status: 'PROVISIONING', message: 'VM web-42 is being provisioned (openstack: task spawning, booting the guest)' });
  assert.equal(event?.subject, 'dcm.vm');
  assert.equal(event?.event['dcmplatformid'], server.id);

  const steps: string[] = [];
  for (;;) {
    const step = lab.simulator.advanceLifecycle(server.id);
    steps.push(step.name);
    assert.ok((await bridge.runOnce()).ok);
    assert.ok((await bridge.runOnce()).ok, 'a second poll of the same state publishes nothing');
    if (step.name === 'deleted') break;
  }
  assert.deepEqual(steps, ['active', 'powering-off', 'stopped', 'deleting', 'deleted']);
  // Nova hides deleted servers (and drops their tags): absence from 2 complete lists starts a confirmation, and Nova's 404 confirms it.
  assert.deepEqual(await statusesOf(), ['PROVISIONING', 'RUNNING', 'STOPPING', 'STOPPED', 'DELETING', 'DELETED']);
  const deleted = (await events(name)).at(-1);
  assert.match(deleted?.event.data.message ?? '', new RegExp(`platform confirms it \\(GET /servers/${server.id} answered 404 itemNotFound\\)`));
  assert.equal(lab.simulator.stats().byRoute['GET /compute/v2.1/servers/{server_id}'], 1, 'one confirming GET');

  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.equal((await events(name)).length, 4 + 6, 'nothing more: neighbours unchanged, no second DELETED');
  const counters = lab.simulator.tokenCounters();
  console.log(`lifecycle: ${1 + 2 * steps.length + 3} polls, ${counters.issued} token request(s), ${lab.simulator.stats().byRoute['GET /compute/v2.1/servers/detail']} list requests`);
  assert.equal(counters.issued, 1);
  const logged = lines.join('');
  assert.ok(!logged.includes(lab.simulator.credentials.password), 'no password in the bridge logs');
});
