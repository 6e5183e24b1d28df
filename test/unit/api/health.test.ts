import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateReadiness, judgeEndpointHealth } from '../../../src/health/index.js';

test('three-state endpoint health: healthy, unhealthy, unavailable from the third failure on', () => {
  assert.deepEqual(judgeEndpointHealth({ consecutiveFailures: 0 }), { state: 'unhealthy', reason: 'not polled yet' });
  assert.equal(judgeEndpointHealth({ consecutiveFailures: 0, lastSuccessAt: 1 }).state, 'healthy');
  const failing = (failures: number) => judgeEndpointHealth({ consecutiveFailures: failures, lastSuccessAt: 1, lastError: { message: 'HTTP 503' } });
  assert.deepEqual(failing(1), { state: 'unhealthy', reason: 'the last poll failed: HTTP 503' });
  assert.equal(failing(2).state, 'unhealthy');
  assert.deepEqual(failing(3), { state: 'unavailable', reason: '3 consecutive polls failed; last: HTTP 503' });
  assert.equal(failing(40).state, 'unavailable');
});

test('readiness: Redis, NATS, and no endpoint without a success for more than three intervals', () => {
  const up = { ok: true };
  const now = 100_000;
  const ready = evaluateReadiness({ cache: up, broker: up, endpoints: [{ name: 'a', intervalMs: 10_000, lastSuccessAt: now - 30_000, since: 0 }], now });
  assert.equal(ready.ready, true);
  const stale = evaluateReadiness({ cache: up, broker: up, endpoints: [{ name: 'a', intervalMs: 10_000, lastSuccessAt: now - 30_001, since: 0 }], now });
  assert.equal(stale.ready, false);
  assert.match(stale.checks.find((check) => check.name === 'endpoint a')?.reason ?? '', /last successful poll for 30 s \(limit 30 s/);
  const fresh = evaluateReadiness({ cache: up, broker: up, endpoints: [{ name: 'new', intervalMs: 10_000, since: now - 5_000 }], now });
  assert.equal(fresh.ready, true, 'a new endpoint has three intervals for its first success');
  const never = evaluateReadiness({ cache: up, broker: up, endpoints: [{ name: 'new', intervalMs: 10_000, since: now - 31_000 }], now });
  assert.match(never.checks[2]?.reason ?? '', /no successful poll/);
  const down = evaluateReadiness({ cache: { ok: false, reason: 'ECONNREFUSED' }, broker: { ok: false }, endpoints: [], now });
  assert.deepEqual(down, { ready: false, checks: [{ name: 'redis', ok: false, reason: 'ECONNREFUSED' }, { name: 'nats', ok: false, reason: 'not connected' }] });
});
