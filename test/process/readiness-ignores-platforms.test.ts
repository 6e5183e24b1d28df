// Issue #16, Runtime: readiness is what the process needs (Redis, the publisher's NATS connection), never a
// platform's health: one dead vCenter must not take the bridge out of its Kubernetes Service. /health says it instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { bridgeConfigYaml, openstackEndpointYaml, startBridgeRun } from '../support/cli-process.js';
import { freePort, startNats, startRedis } from '../support/servers.js';

interface Readiness {
  readonly ready: boolean;
  readonly checks: ReadonlyArray<{ readonly name: string; readonly ok: boolean; readonly reason?: string }>;
}

/** Asks until `done` accepts the answer; the bridge's state changes on its own schedule, not the test's. */
async function until<T>(what: string, ask: () => Promise<T>, done: (answer: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const answer = await ask();
    if (done(answer)) return answer;
    if (performance.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(answer)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('run with its only platform refusing connections is ready while /health shows that endpoint red; with NATS stopped it is not ready', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-readiness-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [redis, nats] = await Promise.all([startRedis(), startNats()]);
  t.after(() => Promise.all([redis.dispose(), nats.dispose()]));
  const deadPlatform = `http://127.0.0.1:${await freePort()}`;
  const config = join(dir, 'dead-platform.yaml');
  writeFileSync(config, bridgeConfigYaml({ cacheUrl: redis.url, natsUrl: nats.url, endpoints: openstackEndpointYaml('nova-dead', deadPlatform, DEFAULT_CREDENTIALS) }));
  const bridge = await startBridgeRun(config, { env: { OS_PASSWORD: DEFAULT_CREDENTIALS.password } });
  t.after(() => bridge.dispose());
  await bridge.waitForLine('stderr', /"endpoint":"nova-dead".*"msg":"poll failed: /);

  // An expected failure (a refused connection) is one log line with its cause chain once and no stack trace (#16 Logs).
  const failures = bridge.stderr().split('\n').filter((line) => line.includes('"msg":"poll failed: '));
  assert.ok(failures.length >= 1);
  for (const line of failures) {
    assert.doesNotMatch(line, /\s{4}at |"stack"/, `no stack frames: ${line}`);
    const err = (JSON.parse(line) as { err: { code: string; causes?: string[] } }).err;
    assert.equal(err.code, 'PLATFORM_UNREACHABLE', line);
    assert.equal(err.causes?.filter((cause) => /ECONNREFUSED/.test(cause)).length, 1, `the refusal named once among the causes: ${line}`);
  }

  const ready = await fetch(`${bridge.apiUrl}/readyz`);
  const readiness = (await ready.json()) as Readiness;
  assert.equal(ready.status, 200, JSON.stringify(readiness));
  assert.deepEqual(readiness, { ready: true, checks: [{ name: 'redis', ok: true }, { name: 'nats', ok: true }] }, 'Redis and NATS only: no platform check');
  const health = (await (await fetch(`${bridge.apiUrl}/health`)).json()) as { endpoints: Array<{ id: string; health: string; reason: string }> };
  const [endpoint] = health.endpoints;
  assert.equal(endpoint?.id, 'nova-dead');
  assert.notEqual(endpoint?.health, 'healthy', JSON.stringify(health));
  assert.match(endpoint?.reason ?? '', /refused|ECONNREFUSED/i, 'the reason names the refused connection');

  await nats.stop();
  const notReady = await until('readiness with NATS stopped', async () => {
    const response = await fetch(`${bridge.apiUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  }, (answer) => answer.status === 503);
  assert.deepEqual(notReady.body.checks.filter((check) => !check.ok).map((check) => check.name), ['nats'], JSON.stringify(notReady.body));

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
});
