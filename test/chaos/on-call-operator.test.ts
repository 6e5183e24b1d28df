import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOnCallOperator } from './on-call-operator.js';
import { createTruthLog } from './truth.js';

// The fault suite's operator releases held deletions only when the platform bears them out. Its
// decision is harness logic: the bridge's API is played here by a small server that records calls.

interface FakeApi {
  readonly url: string;
  readonly releases: string[];
  readonly authorizations: string[];
  held: { known: number; vanished: number } | undefined;
  close(): Promise<void>;
}

async function fakeBridgeApi(): Promise<FakeApi> {
  const api = { releases: [] as string[], authorizations: [] as string[], held: undefined as FakeApi['held'] };
  const server: Server = createServer((request, response) => {
    api.authorizations.push(`${request.method} ${request.headers.authorization ?? ''}`);
    if (request.method === 'POST' && request.url === '/api/v1alpha1/endpoints/nova/release-held-deletions') {
      api.releases.push(request.url);
      api.held = undefined;
      response.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (request.method === 'GET' && request.url === '/api/v1alpha1/endpoints/nova/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'nova', ...(api.held ? { deletions_held: { ...api.held, reason: 'held' } } : {}) }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Ten instances DCM was told are RUNNING; the first `deleted` of them are gone on the platform. */
function platformWith(deleted: number) {
  const truth = createTruthLog();
  const told = new Map<string, string>();
  for (let index = 0; index < 10; index++) {
    const id = `inst-${index}`;
    truth.record(id, 'RUNNING', 0, { seeded: true });
    told.set(id, 'RUNNING');
    if (index < deleted) truth.record(id, 'DELETED', 1);
  }
  return { truth, told };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'timed out');
    await sleep(10);
  }
}

test('a hold the platform bears out is released once, with the write token', async () => {
  const api = await fakeBridgeApi();
  const { truth, told } = platformWith(4);
  api.held = { known: 10, vanished: 4 };
  const operator = startOnCallOperator({ apiUrl: () => api.url, endpoint: 'nova', readToken: 'read', writeToken: 'write', truth, told: () => told, checkEveryMs: 20 });
  try {
    await waitUntil(() => api.releases.length > 0);
    await sleep(100);
    assert.equal(api.releases.length, 1, 'released once: the hold is gone afterwards');
    assert.ok(api.authorizations.includes('POST Bearer write'));
    assert.ok(api.authorizations.includes('GET Bearer read'));
    assert.match(operator.actions()[0] ?? '', /holds 4 of 10; the platform shows 4 gone that DCM was not told: released \(202\)/);
  } finally {
    await operator.stop();
    await api.close();
  }
});

test('a hold the platform does not bear out (a list that lied) is left held, and said once', async () => {
  const api = await fakeBridgeApi();
  const { truth, told } = platformWith(2);
  api.held = { known: 10, vanished: 4 };
  const operator = startOnCallOperator({ apiUrl: () => api.url, endpoint: 'nova', readToken: 'read', writeToken: 'write', truth, told: () => told, checkEveryMs: 20 });
  try {
    await waitUntil(() => api.authorizations.length >= 5);
    assert.deepEqual(api.releases, []);
    assert.deepEqual(operator.actions().map((action) => action.slice(13)), ['the guard holds 4 of 10; the platform shows 2 gone that DCM was not told: left held']);
  } finally {
    await operator.stop();
    await api.close();
  }
});

test('instances DCM already knows are DELETED do not count as borne out', async () => {
  const api = await fakeBridgeApi();
  const { truth, told } = platformWith(4);
  told.set('inst-0', 'DELETED');
  api.held = { known: 10, vanished: 4 };
  const operator = startOnCallOperator({ apiUrl: () => api.url, endpoint: 'nova', readToken: 'read', writeToken: 'write', truth, told: () => told, checkEveryMs: 20 });
  try {
    await waitUntil(() => operator.actions().length > 0);
    assert.deepEqual(api.releases, []);
    assert.match(operator.actions()[0] ?? '', /shows 3 gone/);
  } finally {
    await operator.stop();
    await api.close();
  }
});

test('an instance gone on the platform that DCM has not heard of yet (its consumer lags) counts as borne out', async () => {
  const api = await fakeBridgeApi();
  const { truth, told } = platformWith(3);
  truth.record('inst-new', 'RUNNING', 2);
  truth.record('inst-new', 'DELETED', 3);
  api.held = { known: 11, vanished: 4 };
  const operator = startOnCallOperator({ apiUrl: () => api.url, endpoint: 'nova', readToken: 'read', writeToken: 'write', truth, told: () => told, checkEveryMs: 20 });
  try {
    await waitUntil(() => api.releases.length > 0);
    assert.match(operator.actions()[0] ?? '', /shows 4 gone that DCM was not told: released/);
  } finally {
    await operator.stop();
    await api.close();
  }
});

test('a bridge that does not answer (killed, restarting) is looked at again later, and stop ends the watch', async () => {
  const api = await fakeBridgeApi();
  await api.close();
  const { truth, told } = platformWith(4);
  const operator = startOnCallOperator({ apiUrl: () => api.url, endpoint: 'nova', readToken: 'read', writeToken: 'write', truth, told: () => told, checkEveryMs: 20 });
  await sleep(100);
  await operator.stop();
  assert.deepEqual(operator.actions(), []);
});
