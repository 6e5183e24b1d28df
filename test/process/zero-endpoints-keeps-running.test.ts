import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeConfigYaml, startBridgeRun } from '../support/cli-process.js';

// Issue #9 item 1: with nothing holding the event loop (in-memory cache, stdout publisher, no endpoints) `run` exited 0 at once.
test('run with zero endpoints, the in-memory cache and the stdout publisher keeps serving until a signal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'zero.yaml');
  writeFileSync(config, bridgeConfigYaml({ cacheUrl: '' }));
  const bridge = await startBridgeRun(config);
  t.after(() => bridge.dispose());

  // Endpoints can arrive over the API at any time, so nothing may end the process by itself.
  const waitedMs = 5000;
  const early = await Promise.race([bridge.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), waitedMs))]);
  assert.equal(early, 'running', `exited by itself within ${waitedMs} ms:\n${bridge.stderr()}`);
  const healthz = await fetch(`${bridge.apiUrl}/healthz`);
  assert.equal(healthz.status, 200);
  // #16 Readiness: only what the process uses is checked; with the stdout publisher and no Redis, nothing (no NATS).
  const readyz = await fetch(`${bridge.apiUrl}/readyz`);
  assert.deepEqual([readyz.status, await readyz.json()], [200, { ready: true, checks: [] }]);
  const endpoints = await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints`);
  assert.equal(endpoints.status, 200);
  assert.deepEqual(((await endpoints.json()) as { results: unknown[] }).results, []);

  const exit = await bridge.stop('SIGINT');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
});
