import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followRegistrations, parseRegistrationNotice } from '../../../src/api/index.js';
import { openCacheChannels, type CacheChannels } from '../../../src/cache/index.js';
import { createFakeClock } from '../../support/fake-clock.js';
import { memoryLogger } from '../../support/harness.js';

const channel = 'ns:v2:cluster:registrations';

/** What the follower asked of the endpoint service, in order. */
function recordingService(): { calls: string[]; refresh(id: string): Promise<void>; refreshAll(): Promise<void> } {
  const calls: string[] = [];
  return {
    calls,
    refresh: async (id) => void calls.push(`refresh ${id}`),
    refreshAll: async () => void calls.push('refreshAll'),
  };
}

test('notices: {id, action} with action put or delete; anything else is not one', () => {
  assert.deepEqual(parseRegistrationNotice('{"id":"lab","action":"put"}'), { id: 'lab', action: 'put' });
  assert.deepEqual(parseRegistrationNotice('{"id":"lab","action":"delete","extra":1}'), { id: 'lab', action: 'delete' });
  for (const bad of ['', 'not json', 'null', '[]', '{"id":"lab"}', '{"id":"","action":"put"}', '{"id":3,"action":"put"}', '{"id":"lab","action":"patch"}', JSON.stringify({ id: 'x'.repeat(254), action: 'put' })]) {
    assert.equal(parseRegistrationNotice(bad), undefined, bad);
  }
});

test('each notice re-reads its registration, an unreadable one re-reads all, every interval re-reads all; stop ends both', async () => {
  const clock = createFakeClock();
  const channels = openCacheChannels({});
  const service = recordingService();
  const follower = await followRegistrations({ service, channels, channel, clock, logger: memoryLogger().logger, reconcileIntervalMs: 60_000 });
  assert.equal(follower.subscribed, true);

  await channels.publish(channel, JSON.stringify({ id: 'lab', action: 'put' }));
  await channels.publish(channel, JSON.stringify({ id: 'gone', action: 'delete' }));
  await channels.publish(channel, 'garbage');
  await channels.publish('ns:v2:cluster:elsewhere', JSON.stringify({ id: 'other', action: 'put' }));
  await clock.advance(0);
  assert.deepEqual(service.calls, ['refresh lab', 'refresh gone', 'refreshAll']);

  service.calls.length = 0;
  await clock.advance(59_999);
  assert.deepEqual(service.calls, [], 'no re-read before the interval');
  await clock.advance(1);
  await clock.advance(60_000);
  assert.deepEqual(service.calls, ['refreshAll', 'refreshAll'], 'one full re-read per interval');

  await follower.stop();
  assert.equal(follower.subscribed, false);
  assert.equal(clock.pendingCount(), 0, 'no timer left behind');
  await channels.publish(channel, JSON.stringify({ id: 'late', action: 'put' }));
  await clock.advance(120_000);
  assert.deepEqual(service.calls, ['refreshAll', 'refreshAll'], 'nothing after stop');
});

test('a refused subscribe is retried every resubscribeDelayMs, logged once, and success re-reads everything', async () => {
  const clock = createFakeClock();
  const inner = openCacheChannels({});
  let refusals = 2;
  const channels: Pick<CacheChannels, 'subscribe'> = {
    subscribe: async (name, listener) => {
      if (refusals-- > 0) throw new Error('NOPERM this user has no permissions to access one of the channels used as arguments');
      return inner.subscribe(name, listener);
    },
  };
  const service = recordingService();
  const { logger, lines } = memoryLogger();
  const follower = await followRegistrations({ service, channels, channel, clock, logger, reconcileIntervalMs: 60_000, resubscribeDelayMs: 5_000 });
  assert.equal(follower.subscribed, false);
  await clock.advance(5_000);
  assert.equal(follower.subscribed, false, 'refused a second time');
  assert.equal(lines.filter((line) => line.includes('NOPERM')).length, 1, 'the same refusal is logged once');
  assert.deepEqual(service.calls, []);
  await clock.advance(5_000);
  assert.equal(follower.subscribed, true);
  assert.deepEqual(service.calls, ['refreshAll'], 'what was missed meanwhile is re-read');
  await inner.publish(channel, JSON.stringify({ id: 'lab', action: 'put' }));
  await clock.advance(0);
  assert.deepEqual(service.calls, ['refreshAll', 'refresh lab']);
  await follower.stop();
  assert.equal(clock.pendingCount(), 0);
});
