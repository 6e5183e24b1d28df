import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { call, issueToken, nova, passwordAuth } from './support.js';

// compute api-ref "Show Server Details": `fault` is "Only displayed when the server status is ERROR or
// DELETED and a fault occurred"; its `details` (the stack trace) "is available if the response code is
// not 500 or you have the administrator privilege". A status Nova's `_STATE_MAP` cannot derive stands in
// for one a later release adds (the api-guide's "Server status" list has grown before: SHELVED, SOFT_DELETED).
const simulator = createOpenstackSimulator({});
let running: RunningServer;
let token: string;

interface ServerView {
  readonly status: string;
  readonly fault?: { code: number; message: string; details?: string; created: string };
}

const show = async (id: string): Promise<ServerView> => ((await nova(simulator.computeUrl(), `/servers/${id}`, token, '2.26')).json as { server: ServerView }).server;
const control = async (method: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> => {
  const answer = await call(running.url, path, { method, json: body });
  return { status: answer.status, json: answer.json };
};

describe('Nova faults and statuses from a later release (control API)', () => {
  before(async () => {
    running = await simulator.start();
  });
  after(() => running.close());
  beforeEach(async () => {
    simulator.reset();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });

  it('a fault shows only while the status is ERROR, with its details unless the code is 500', async () => {
    const created = await control('POST', '/_sim/servers', { name: 'broken', vmState: 'error', fault: { code: 500, message: 'No valid host was found.', details: 'Traceback …' } });
    assert.equal(created.status, 201);
    const id = (created.json as { id: string }).id;
    const failed = await show(id);
    assert.equal(failed.status, 'ERROR');
    assert.equal(failed.fault?.message, 'No valid host was found.');
    assert.equal(failed.fault?.code, 500);
    assert.equal(failed.fault?.details, undefined, 'a 500 fault hides its stack trace from a non-admin');
    assert.match(failed.fault?.created ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    await control('POST', `/_sim/servers/${id}/state`, { fault: { code: 404, message: 'Image not found', details: 'trace' } });
    assert.deepEqual([(await show(id)).fault?.code, (await show(id)).fault?.details], [404, 'trace']);

    await control('POST', `/_sim/servers/${id}/state`, { vmState: 'active' });
    assert.equal((await show(id)).fault, undefined, 'an ACTIVE server shows no fault');
  });

  it('newerStatus is reported as the status until cleared or the vm_state changes; an empty one is refused', async () => {
    const id = (await control('POST', '/_sim/servers', { name: 'future' })).json as { id: string };
    const set = await control('POST', `/_sim/servers/${id.id}/state`, { newerStatus: 'HIBERNATED' });
    assert.equal((set.json as ServerView).status, 'HIBERNATED');
    assert.equal((await show(id.id)).status, 'HIBERNATED');
    const listed = (await nova(simulator.computeUrl(), '/servers/detail?status=HIBERNATED', token, '2.26')).json as { servers: unknown[] };
    assert.deepEqual(listed.servers, [], 'the status filter keeps to the statuses this Nova knows (below 2.38 an unknown one lists nothing)');

    await control('POST', `/_sim/servers/${id.id}/state`, { newerStatus: null });
    assert.equal((await show(id.id)).status, 'ACTIVE');
    await control('POST', `/_sim/servers/${id.id}/state`, { newerStatus: 'HIBERNATED' });
    await control('POST', `/_sim/servers/${id.id}/state`, { vmState: 'paused' });
    assert.equal((await show(id.id)).status, 'PAUSED', 'a new vm_state is derived again');

    assert.equal((await control('POST', `/_sim/servers/${id.id}/state`, { newerStatus: '' })).status, 400);
    assert.equal((await control('POST', `/_sim/servers/${id.id}/state`, { fault: { message: 42 } })).status, 400);
  });
});
