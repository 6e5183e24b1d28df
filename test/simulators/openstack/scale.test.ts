import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../common/index.js';
import { createOpenstackSimulator } from './index.js';
import { issueToken, listAll, nova, passwordAuth, type ServersPage } from './support.js';

// Timings are printed for the reader, never asserted: the machine may be busy.
const SERVER_COUNT = 100_000;
const simulator = createOpenstackSimulator();
let running: RunningServer;
let token: string;

/** Runs some work and prints how long it took. */
async function report<Result>(label: string, work: () => Promise<Result> | Result): Promise<Result> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  }
}

describe(`OpenStack simulator with ${SERVER_COUNT.toLocaleString('en')} servers`, () => {
  before(async () => {
    await report(`seeding ${SERVER_COUNT} managed servers`, () => simulator.seedDcmServers({ count: SERVER_COUNT, tagged: SERVER_COUNT }));
    running = await simulator.start();
    token = await issueToken(simulator.authUrl(), passwordAuth(simulator.credentials));
  });
  after(() => running.close());

  it('pages through all of them by marker (100 pages of 1,000, details at 2.26, tag filter)', async () => {
    const { servers, calls } = await report('listing 100,000 servers by marker', () => listAll(`${simulator.computeUrl()}/servers/detail?tags=managed-by%3Ddcm`, token, '2.26'));
    // A full last page still has a next link (Nova does not look ahead), hence the empty 101st page.
    assert.equal(calls, 101);
    assert.equal(servers.length, SERVER_COUNT);
    assert.equal(new Set(servers.map((server) => server.id)).size, SERVER_COUNT);
  });

  it('answers a page deep in the list by an indexed marker lookup (both times printed)', async () => {
    const first = await report('first page of 1,000', () => nova(simulator.computeUrl(), '/servers/detail', token, '2.26'));
    const marker = simulator.servers.page({ limit: 99_001, includeDeleted: false, accept: () => true });
    assert.ok(marker.ok);
    const deep = await report('page after marker #99,000', () => nova(simulator.computeUrl(), `/servers/detail?marker=${marker.servers.at(-2)?.id ?? ''}`, token, '2.26'));
    assert.equal((first.json as ServersPage).servers.length, 1000);
    assert.equal((deep.json as ServersPage).servers.length, 1000);
  });
});
