import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator, LIFECYCLE } from './index.js';
import { call, issueToken, nova, passwordAuth } from './support.js';

const simulator = createOpenstackSimulator();
let running: RunningServer;
let token: string;

type ServerView = Record<string, unknown> & { id: string; status: string; tags: string[]; metadata: Record<string, string> };
const server = async (id: string): Promise<{ status: number; body: unknown }> => {
  const answer = await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.26');
  return { status: answer.status, body: answer.json };
};

describe('Nova servers: GET by id, lifecycle and the control API', () => {
  before(async () => {
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());

  it('answers an unknown server with 404 itemNotFound', async () => {
    const answer = await server('5e7e0000-0000-4000-8000-0000000f0f0f');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, { itemNotFound: { code: 404, message: 'Instance 5e7e0000-0000-4000-8000-0000000f0f0f could not be found.' } });
  });

  it('walks a server through BUILD (spawning) → ACTIVE → ACTIVE (powering-off) → SHUTOFF → SHUTOFF (deleting) → gone', async () => {
    const created = simulator.servers.add({ name: 'walker', vmState: 'building', taskState: 'spawning', tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': 'inst-00042' } });
    const seen: [string, unknown, unknown][] = [];
    const look = async (): Promise<void> => {
      const answer = await server(created.id);
      const view = (answer.body as { server?: ServerView }).server;
      seen.push(view === undefined ? [`${answer.status}`, null, null] : [view.status, view['OS-EXT-STS:vm_state'], view['OS-EXT-STS:task_state']]);
    };
    await look();
    for (let step = 1; step < LIFECYCLE.length; step += 1) {
      simulator.advanceLifecycle(created.id);
      await look();
    }
    assert.deepEqual(seen, [
      ['BUILD', 'building', 'spawning'],
      ['ACTIVE', 'active', null],
      ['ACTIVE', 'active', 'powering-off'],
      ['SHUTOFF', 'stopped', null],
      ['SHUTOFF', 'stopped', 'deleting'],
      ['404', null, null],
    ]);
    assert.throws(() => simulator.advanceLifecycle(created.id), /lifecycle/);
  });

  it('adds, changes and removes servers over /_sim/ (state, tags, metadata, lifecycle, seed-dcm)', async () => {
    const made = await call(running.url, '/_sim/servers', { json: { name: 'ctl', tags: ['managed-by=dcm'], metadata: { 'dcm-instance-id': 'inst-00777' } } });
    assert.equal(made.status, 201);
    const id = (made.json as { id: string }).id;
    const state = await call(running.url, `/_sim/servers/${id}/state`, { json: { vmState: 'active', taskState: 'rebooting_hard' } });
    assert.equal((state.json as { status: string }).status, 'HARD_REBOOT');
    await call(running.url, `/_sim/servers/${id}/tags`, { method: 'PUT', json: { tags: ['managed-by=dcm', 'dcm-instance-id=inst-00777'] } });
    await call(running.url, `/_sim/servers/${id}/metadata`, { json: { metadata: { owner: 'ops', 'dcm-instance-id': null } } });
    const view = ((await server(id)).body as { server: ServerView }).server;
    assert.deepEqual([view.status, view.tags, view.metadata], ['HARD_REBOOT', ['managed-by=dcm', 'dcm-instance-id=inst-00777'], { owner: 'ops' }]);
    const step = await call(running.url, `/_sim/servers/${id}/state`, { json: { taskState: null } });
    assert.equal((step.json as { status: string }).status, 'ACTIVE');
    assert.equal(((await call(running.url, `/_sim/servers/${id}/lifecycle`, { method: 'POST' })).json as { step: { name: string } }).step.name, 'powering-off');
    assert.equal((await call(running.url, `/_sim/servers/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await server(id)).status, 404);
    assert.equal((await call(running.url, `/_sim/servers/${id}?purge=true`, { method: 'DELETE' })).status, 204);
    assert.equal((await call(running.url, `/_sim/servers/${id}`)).status, 404);

    const seeded = await call(running.url, '/_sim/seed-dcm', { json: { count: 3, tagged: 2, instanceIdAs: 'tag', firstInstanceNumber: 42 } });
    const servers = (seeded.json as { servers: { serverId: string; instanceId?: string }[] }).servers;
    assert.deepEqual(servers.map((entry) => entry.instanceId), ['inst-00042', 'inst-00043', undefined]);
    const tagged = ((await server(servers[0]?.serverId ?? '')).body as { server: ServerView }).server;
    assert.deepEqual([tagged.tags, tagged.metadata], [['managed-by=dcm', 'dcm-instance-id=inst-00042'], {}]);
  });

  it('refuses bad control input with 400 and names the field', async () => {
    const badState = await call(running.url, '/_sim/servers', { json: { name: 'x', vmState: 'sleeping' } });
    assert.deepEqual([badState.status, badState.json], [400, { error: 'vmState "sleeping" is not a Nova vm_state' }]);
    const badTag = await call(running.url, '/_sim/servers', { json: { name: 'x', tags: ['a/b'] } });
    assert.deepEqual([badTag.status, badTag.json], [400, { error: 'tag "a/b" must not contain "/" or ","' }]);
    assert.equal((await call(running.url, '/_sim/seed-dcm', { json: { tagged: 1 } })).status, 400);
    assert.equal((await call(running.url, '/_sim/servers/nope/state', { json: { vmState: 'active' } })).status, 404);
  });

  it('reports the server count and token figures in the stats', async () => {
    const stats = (await call(running.url, '/_sim/stats')).json as { platform: { serverCount: number; tokens: { issued: number } } };
    assert.equal(stats.platform.serverCount, simulator.servers.liveCount());
    assert.equal(stats.platform.tokens.issued, 1);
  });
});
