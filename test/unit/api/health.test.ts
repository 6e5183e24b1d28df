import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateFreshness, evaluateReadiness, judgeEndpointHealth } from '../../../src/health/index.js';

test('three-state endpoint health: healthy, unhealthy, unavailable from the third failure on', () => {
  assert.deepEqual(judgeEndpointHealth({ consecutiveFailures: 0 }), { state: 'unhealthy', reason: 'not polled yet' });
  assert.equal(judgeEndpointHealth({ consecutiveFailures: 0, lastSuccessAt: 1 }).state, 'healthy');
  const failing = (failures: number) => judgeEndpointHealth({ consecutiveFailures: failures, lastSuccessAt: 1, lastError: { message: 'HTTP 503' } });
  assert.deepEqual(failing(1), { state: 'unhealthy', reason: 'the last poll failed: HTTP 503' });
  assert.equal(failing(2).state, 'unhealthy');
  assert.deepEqual(failing(3), { state: 'unavailable', reason: '3 consecutive polls failed; last: HTTP 503' });
  assert.equal(failing(40).state, 'unavailable');
});

test('readiness: Redis and NATS when configured, never the platforms', () => {
  const up = { ok: true };
  assert.deepEqual(evaluateReadiness({ cache: up, broker: up }), { ready: true, checks: [{ name: 'redis', ok: true }, { name: 'nats', ok: true }] });
  const down = evaluateReadiness({ cache: { ok: false, reason: 'ECONNREFUSED' }, broker: { ok: false } });
  assert.deepEqual(down, { ready: false, checks: [{ name: 'redis', ok: false, reason: 'ECONNREFUSED' }, { name: 'nats', ok: false, reason: 'not connected' }] });
  assert.deepEqual(evaluateReadiness({ cache: up }), { ready: true, checks: [{ name: 'redis', ok: true }] }, 'the stdout publisher: no NATS check at all');
  assert.deepEqual(evaluateReadiness({}), { ready: true, checks: [] }, 'an in-memory cache and stdout: nothing to wait for');
});

test('endpoint freshness: no success for more than three intervals, counted from when polling began until the first', () => {
  const now = 100_000;
  assert.equal(evaluateFreshness([{ name: 'a', intervalMs: 10_000, lastSuccessAt: now - 30_000, since: 0 }], now)[0]?.ok, true);
  const [stale] = evaluateFreshness([{ name: 'a', intervalMs: 10_000, lastSuccessAt: now - 30_001, since: 0 }], now);
  assert.equal(stale?.ok, false);
  assert.match(stale?.reason ?? '', /last successful poll for 30 s \(limit 30 s/);
  assert.equal(evaluateFreshness([{ name: 'new', intervalMs: 10_000, since: now - 5_000 }], now)[0]?.ok, true, 'a new endpoint has three intervals for its first success');
  assert.match(evaluateFreshness([{ name: 'new', intervalMs: 10_000, since: now - 31_000 }], now)[0]?.reason ?? '', /no successful poll/);
});
