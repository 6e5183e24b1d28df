import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDemoArgs } from '../../../demo/index.js';

test('the demo is self-contained by default: NATS_URL alone does not switch it to NATS', () => {
  assert.deepEqual(parseDemoArgs([], { NATS_URL: 'nats://elsewhere:4222' }), { options: { speed: 1 } });
});

test('--nats takes $NATS_URL, or none (a throwaway server); --nats-url implies --nats', () => {
  assert.deepEqual(parseDemoArgs(['--nats'], {}), { options: { speed: 1, nats: {} } });
  assert.deepEqual(parseDemoArgs(['--nats'], { NATS_URL: 'nats://127.0.0.1:4222' }), { options: { speed: 1, nats: { url: 'nats://127.0.0.1:4222' } } });
  assert.deepEqual(parseDemoArgs(['--nats-url', 'tls://n:4222', '--speed', '20'], {}), { options: { speed: 20, nats: { url: 'tls://n:4222' } } });
});

test('bad arguments are named, not thrown', () => {
  assert.match(JSON.stringify(parseDemoArgs(['--speed', '0'], {})), /--speed must be a number from 1 to 100; got \\"0\\"/);
  assert.match(JSON.stringify(parseDemoArgs(['--speed', 'fast'], {})), /--speed must be a number/);
  assert.match(JSON.stringify(parseDemoArgs(['--nats-url', 'http://n'], {})), /must be a nats:\/\/ or tls:\/\/ URL/);
  assert.match(JSON.stringify(parseDemoArgs(['--colour'], {})), /Unknown option '--colour'/);
  assert.deepEqual(parseDemoArgs(['-h'], {}), { help: true });
});
