import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { jsonResponse } from './http-types.js';
import { rawRequest } from './raw-http.js';
import { createSimulatorServer, type RunningServer, type SimulatorServer } from './simulator-server.js';

// A tiny platform: one list route, and its own error shape {"platform_error": status}.
const ITEMS = Array.from({ length: 20 }, (_, index) => ({ id: `item-${index}`, state: 'RUNNING' }));
const delays: number[] = [];
let resets = 0;

const simulator: SimulatorServer = createSimulatorServer({
  routes: [
    { method: 'GET', path: '/v1/items', handle: () => jsonResponse(200, ITEMS) },
    { method: 'GET', path: '/v1/items/{id}', handle: (request) => jsonResponse(200, { id: request.params.id }) },
    {
      method: 'GET',
      path: '/v1/broken',
      handle: () => {
        throw new Error('handler bug');
      },
    },
  ],
  errorResponse: (_request, status) => jsonResponse(status, { platform_error: status }),
  platformStats: () => ({ widgets: 3 }),
  onReset: () => {
    resets += 1;
  },
  delay: async (milliseconds) => {
    delays.push(milliseconds);
  },
  onHandlerError: () => undefined,
});
let running: RunningServer;

async function getJson(path: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${running.url}${path}`);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function postJson(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${running.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('simulator server', () => {
  before(async () => {
    running = await simulator.start({ port: 0, host: '127.0.0.1' });
  });
  after(() => running.close());
  beforeEach(() => {
    simulator.reset();
    delays.length = 0;
  });

  it('serves platform routes and answers unknown ones with the platform 404 shape', async () => {
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual((await getJson('/v1/items/item-3')).body, { id: 'item-3' });
    const missing = await getJson('/v1/nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { platform_error: 404 });
  });

  it('answers a throwing handler with the platform 500 shape instead of crashing', async () => {
    const broken = await getJson('/v1/broken');
    assert.equal(broken.status, 500);
    assert.deepEqual(broken.body, { platform_error: 500 });
    assert.equal((await getJson('/v1/items/x')).status, 200);
  });

  it('counts requests per route, leaving out the control API', async () => {
    await getJson('/v1/items');
    await getJson('/v1/items');
    await getJson('/v1/items/a');
    await getJson('/v1/nothing');
    const stats = (await getJson('/_sim/stats')).body as Record<string, unknown>;
    assert.deepEqual(stats.byRoute, { 'GET /v1/items': 2, 'GET /v1/items/{id}': 1 });
    assert.equal(stats.total, 4);
    assert.equal(stats.unmatched, 1);
    assert.deepEqual(stats.platform, { widgets: 3 });
    assert.deepEqual(simulator.stats().byRoute, stats.byRoute);
    assert.equal((await fetch(`${running.url}/_sim/stats`, { method: 'DELETE' })).status, 204);
    assert.equal(simulator.stats().total, 0);
  });

  it('http5xx: answers the platform error body for the next N requests, then recovers', async () => {
    simulator.faults.set([{ kind: 'http5xx', status: 503, trigger: { type: 'next', count: 2 } }]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const answer = await getJson('/v1/items');
      assert.equal(answer.status, 503);
      assert.deepEqual(answer.body, { platform_error: 503 });
    }
    assert.equal((await getJson('/v1/items')).status, 200);
    assert.equal(simulator.stats().faultsFired.http5xx, 2);
    assert.equal(simulator.stats().byRoute['GET /v1/items'], 3, 'faulted requests are still counted');
  });

  it('throttle429: answers 429 with Retry-After in seconds, set over HTTP', async () => {
    const set = await postJson('/_sim/faults', { faults: [{ kind: 'throttle429', retryAfterSeconds: 30 }] });
    assert.equal(set.status, 200);
    const answer = await getJson('/v1/items');
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), '30');
    assert.deepEqual(answer.body, { platform_error: 429 });
  });

  it('latencyMs: waits the configured delay before answering', async () => {
    simulator.faults.set([{ kind: 'latencyMs', delayMs: 250, scope: { route: 'GET /v1/items' } }]);
    assert.equal((await getJson('/v1/items')).status, 200);
    assert.equal((await getJson('/v1/items/a')).status, 200);
    assert.deepEqual(delays, [250], 'only the scoped route was delayed');
  });

  it('truncateBody destroyMidBody: declares the full length, sends half, cuts the connection', async () => {
    simulator.faults.set([{ kind: 'truncateBody', trigger: { type: 'next', count: 1 } }]);
    const outcome = await rawRequest(running.url, '/v1/items');
    assert.equal(outcome.kind, 'truncated');
    if (outcome.kind === 'truncated') {
      const fullLength = Buffer.byteLength(JSON.stringify(ITEMS));
      assert.equal(outcome.status, 200);
      assert.equal(outcome.declaredLength, fullLength);
      assert.ok(outcome.received.length < fullLength);
    }
    assert.equal((await rawRequest(running.url, '/v1/items')).kind, 'response');
  });

  it('truncateBody halfJson: sends a complete answer whose body is half a JSON document', async () => {
    simulator.faults.set([{ kind: 'truncateBody', style: 'halfJson' }]);
    const outcome = await rawRequest(running.url, '/v1/items');
    assert.equal(outcome.kind, 'response');
    if (outcome.kind === 'response') {
      assert.equal(outcome.status, 200);
      assert.equal(outcome.body.length, Math.floor(Buffer.byteLength(JSON.stringify(ITEMS)) / 2));
      assert.throws(() => JSON.parse(outcome.body.toString('utf8')), SyntaxError);
    }
  });

  it('dropConnection: closes the socket without any answer', async () => {
    simulator.faults.set([{ kind: 'dropConnection', trigger: { type: 'next', count: 1 } }]);
    const outcome = await rawRequest(running.url, '/v1/items');
    assert.equal(outcome.kind, 'failed');
    assert.equal((await rawRequest(running.url, '/v1/items')).kind, 'response');
    assert.equal(simulator.stats().faultsFired.dropConnection, 1);
  });

  it('clears faults over HTTP with an empty list or DELETE, and lists what is armed', async () => {
    await postJson('/_sim/faults', { faults: [{ kind: 'http5xx', trigger: { type: 'next', count: 5 } }] });
    assert.deepEqual((await getJson('/_sim/faults')).body, { faults: [{ spec: { kind: 'http5xx', trigger: { type: 'next', count: 5 } }, remaining: 5 }] });
    await postJson('/_sim/faults', { faults: [] });
    assert.equal((await getJson('/v1/items')).status, 200);
    await postJson('/_sim/faults', { faults: [{ kind: 'http5xx' }] });
    assert.equal((await fetch(`${running.url}/_sim/faults`, { method: 'DELETE' })).status, 204);
    assert.equal((await getJson('/v1/items')).status, 200);
  });

  it('rejects malformed fault specs with a 400 naming the field', async () => {
    const answer = await postJson('/_sim/faults', { faults: [{ kind: 'throttle429', retryAfterSeconds: -1 }] });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { error: 'faults[0].retryAfterSeconds must be a non-negative integer' });
  });

  it('never faults the control API', async () => {
    simulator.faults.set([{ kind: 'dropConnection' }]);
    assert.equal((await getJson('/_sim/stats')).status, 200);
  });

  it('replays probability faults identically after reseeding', async () => {
    const run = async (): Promise<number[]> => {
      await postJson('/_sim/faults', { seed: 99, faults: [{ kind: 'http5xx', trigger: { type: 'probability', probability: 0.3 } }] });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        statuses.push((await getJson('/v1/items/a')).status);
      }
      return statuses;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.ok(first.includes(500) && first.includes(200));
  });

  it('resets faults, counters and platform state with POST /_sim/reset', async () => {
    simulator.faults.set([{ kind: 'http5xx' }]);
    await getJson('/v1/items');
    const before = resets;
    assert.equal((await fetch(`${running.url}/_sim/reset`, { method: 'POST' })).status, 204);
    assert.equal(resets, before + 1);
    assert.equal(simulator.stats().total, 0);
    assert.deepEqual(simulator.faults.list(), []);
  });

  it('refuses a second start while listening', async () => {
    await assert.rejects(simulator.start(), /already started/);
  });
});
