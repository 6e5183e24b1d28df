// #16: dcm_bridge_build_info, prom-client's default metrics on the bridge's own registry, the new error counters,
// and the endpoint series a bridge drops when it stops polling an endpoint (else the staleness alert would fire).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/metrics/index.js';

test('build info is 1 with version, commit and node labels; "unknown" commit when the build recorded none', async () => {
  const built = createMetrics({ build: { version: '0.1.0', commit: '1a2b3c4d5e6f', node: '24.1.0' } });
  assert.match(await built.registry.metrics(), /^dcm_bridge_build_info\{version="0\.1\.0",commit="1a2b3c4d5e6f",node="24\.1\.0"\} 1$/m);
  const uncommitted = createMetrics({ build: { version: '0.1.0', node: '24.1.0' } });
  assert.match(await uncommitted.registry.metrics(), /^dcm_bridge_build_info\{version="0\.1\.0",commit="unknown",node="24\.1\.0"\} 1$/m);
  assert.doesNotMatch(await createMetrics().registry.metrics(), /^dcm_bridge_build_info\{/m, 'no build, no sample');
});

test('runtime metrics (process, event loop lag, GC) join the bridge registry only when asked, never the global one', async () => {
  const withRuntime = createMetrics({ runtime: true });
  const text = await withRuntime.registry.metrics();
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.doesNotMatch(await createMetrics().registry.metrics(), /^# TYPE process_cpu_seconds_total /m);
  const { register } = await import('prom-client');
  assert.equal(register.getSingleMetric('process_cpu_seconds_total'), undefined, 'prom-client\'s global registry stays empty');
});

test('cache operations: latency by the operation in snake case, an error counted only when it failed', async () => {
  const metrics = createMetrics();
  metrics.observeCacheOperation('read index', 0.002, true);
  metrics.observeCacheOperation('write poll start', 0.004, false);
  const text = await metrics.registry.metrics();
  assert.match(text, /^dcm_bridge_cache_operation_seconds_count\{operation="read_index"\} 1$/m);
  assert.match(text, /^dcm_bridge_cache_operation_seconds_count\{operation="write_poll_start"\} 1$/m);
  assert.match(text, /^dcm_bridge_cache_errors_total\{operation="write_poll_start"\} 1$/m);
  assert.doesNotMatch(text, /^dcm_bridge_cache_errors_total\{operation="read_index"\}/m);
});

test('an endpoint no longer polled here loses its interval and last-success series; one re-tracked on another platform keeps one interval series', async () => {
  const metrics = createMetrics();
  metrics.trackEndpoint({ name: 'vc-a', platform: 'vsphere', intervalSeconds: 60 });
  metrics.trackEndpoint({ name: 'nova-b', platform: 'openstack', intervalSeconds: 30 });
  metrics.lastSuccess.set({ endpoint: 'vc-a' }, 1_700_000_000);
  metrics.lastSuccess.set({ endpoint: 'nova-b' }, 1_700_000_000);
  let text = await metrics.registry.metrics();
  assert.match(text, /^dcm_bridge_endpoint_interval_seconds\{endpoint="vc-a",platform="vsphere"\} 60$/m);

  metrics.untrackEndpoint('vc-a');
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /endpoint="vc-a"/, 'nothing of vc-a is left to age');
  assert.match(text, /^dcm_bridge_last_success_timestamp_seconds\{endpoint="nova-b"\} 1700000000$/m, 'the other endpoint is untouched');

  metrics.trackEndpoint({ name: 'nova-b', platform: 'ec2', intervalSeconds: 45 });
  text = await metrics.registry.metrics();
  assert.deepEqual(text.match(/^dcm_bridge_endpoint_interval_seconds\{.*$/gm), ['dcm_bridge_endpoint_interval_seconds{endpoint="nova-b",platform="ec2"} 45']);
});
