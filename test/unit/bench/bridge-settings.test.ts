import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchBridgeEnvironment } from '../../../bench/lib/bridge-process.js';
import { parseMemoryLimit } from '../../../bench/lib/memory-limit.js';

describe('the bench settings for the bridge processes alone', () => {
  it('reads BENCH_BRIDGE_MEMORY_LIMIT as a container limit is written', () => {
    assert.equal(parseMemoryLimit('512Mi'), 512 * 1024 ** 2);
    assert.equal(parseMemoryLimit('512M'), 512 * 1024 ** 2);
    assert.equal(parseMemoryLimit('1Gi'), 1024 ** 3);
    assert.equal(parseMemoryLimit('64KiB'), 64 * 1024);
    assert.equal(parseMemoryLimit('1048576'), 1024 ** 2);
    assert.throws(() => parseMemoryLimit('half a gig'), /BENCH_BRIDGE_MEMORY_LIMIT: "half a gig" is not a size such as 512M or 1Gi/);
    assert.throws(() => parseMemoryLimit('1T'), /is not a size/);
  });

  it('reads BENCH_BRIDGE_ENV as NAME=value pairs, and names a pair that is not one', () => {
    assert.deepEqual(benchBridgeEnvironment(undefined), {});
    assert.deepEqual(benchBridgeEnvironment(' MALLOC_ARENA_MAX=2  UV_THREADPOOL_SIZE=8 '), { MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '8' });
    assert.deepEqual(benchBridgeEnvironment('A=b=c'), { A: 'b=c' });
    assert.throws(() => benchBridgeEnvironment('MALLOC_ARENA_MAX'), /BENCH_BRIDGE_ENV: "MALLOC_ARENA_MAX" is not NAME=value/);
    assert.throws(() => benchBridgeEnvironment('=2'), /"=2" is not NAME=value/);
  });
});
