// The metrics module takes prom-client's classes from their own modules, not the package index (#12: the index
// loads the push gateway, default collectors and cluster aggregator too). They must be the index's very classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as promClient from 'prom-client';
import { createMetrics, promClientClasses } from '../../../src/metrics/index.js';

test('the metric classes are those prom-client exports, and the registry renders every metric', async () => {
  assert.equal(promClientClasses.Counter, promClient.Counter);
  assert.equal(promClientClasses.Gauge, promClient.Gauge);
  assert.equal(promClientClasses.Histogram, promClient.Histogram);
  assert.equal(promClientClasses.Registry, promClient.Registry);
  const metrics = createMetrics();
  metrics.eventsPublished.inc({ endpoint: 'lab', status: 'RUNNING', kind: 'change' });
  metrics.pollDuration.observe({ endpoint: 'lab', outcome: 'ok' }, 0.2);
  const text = await metrics.registry.metrics();
  assert.match(text, /^dcm_bridge_events_published_total\{endpoint="lab",status="RUNNING",kind="change"\} 1$/m);
  assert.match(text, /^dcm_bridge_poll_duration_seconds_count\{endpoint="lab",outcome="ok"\} 1$/m);
  assert.equal(metrics.registry.contentType, promClient.register.contentType, 'the exposition format of the index\'s registry');
});
