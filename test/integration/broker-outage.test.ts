import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventPublisher } from '../../src/publisher/index.js';
import { statusEventId } from '../../src/publisher/index.js';
import { instances, useHarness } from '../support/harness.js';

const harness = useHarness();

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('NATS down before a publish: nothing committed; after it returns the same event id arrives once', async () => {
  harness().setPlatform('lab', { instances: instances(2) });
  const bridge = await harness().bridge(harness().config({ ackTimeoutSeconds: 1 }));
  assert.ok((await bridge.runOnce()).ok);
  assert.equal((await harness().dcm.messages()).length, 2);

  harness().setPlatform('lab', { instances: [instances(1)[0]!, { ...instances(1, 'off', 2)[0]! }] });
  await harness().nats.stop();
  const duringOutage = await bridge.runOnce();
  assert.equal(duringOutage.ok, false, 'the poll fails while the broker is down');
  assert.equal(duringOutage.endpoints[0]?.lastError?.code, 'PUBLISH_FAILED');
  const [cached] = await bridge.cache.readInstances('lab', ['vm-2']);
  assert.equal(cached?.status, 'RUNNING', 'nothing was committed');
  const recorded = await bridge.cache.readOutbox('lab');
  assert.deepEqual(recorded.map((entry) => `${entry.record.platformId}:${entry.record.status}`), ['vm-2:STOPPED'], 'the event was recorded in the outbox before the publish');

  await harness().nats.restart();
  await waitFor(() => bridge.publisher.isConnected(), 'the publisher to reconnect');
  const afterOutage = await bridge.runOnce();
  assert.ok(afterOutage.ok, JSON.stringify(afterOutage.endpoints));
  const [committed] = await bridge.cache.readInstances('lab', ['vm-2']);
  assert.equal(committed?.status, 'STOPPED');

  const { id: epoch } = await bridge.cache.currentEpoch();
  const expectedId = statusEventId({ endpoint: 'lab', platformId: 'vm-2', instanceId: 'inst-2', sequence: 2, status: 'STOPPED', previousStatus: 'RUNNING', epoch });
  assert.equal(recorded[0]?.event.id, expectedId);
  assert.deepEqual(await bridge.cache.readOutbox('lab'), [], 'the outbox is empty once acknowledged and committed');
  const stopped = (await harness().dcm.messages()).filter((message) => message.event.data.status === 'STOPPED');
  assert.equal(stopped.length, 1, 'the consumer receives the STOPPED event once');
  assert.equal(stopped[0]?.event['id'], expectedId, 'with the id the failed attempt had');
});

test('an ack lost after the broker stored the event: the retry carries the same id and the stream drops it', async () => {
  harness().setPlatform('lost-ack', { instances: instances(1, 'on', 10) });
  const config = harness().config({ endpoints: ['lost-ack'] });
  const real = await harness().bridge(config);
  assert.ok((await real.runOnce()).ok);
  const realPublisher = real.publisher;

  // The broker gets the event; the bridge never hears back (as if it crashed before the ack).
  let loseAcks = true;
  const ackLosing: EventPublisher = {
    ...realPublisher,
    async publish(events) {
      const outcomes = await realPublisher.publish(events);
      return loseAcks ? outcomes.map(() => ({ ok: false, error: new Error('ack lost') })) : outcomes;
    },
  };
  const bridge = await harness().bridge(config, { publisher: ackLosing });
  harness().setPlatform('lost-ack', { instances: instances(1, 'paused', 10) });
  assert.equal((await bridge.runOnce()).ok, false);
  const [uncommitted] = await bridge.cache.readInstances('lost-ack', ['vm-10']);
  assert.equal(uncommitted?.status, 'RUNNING', 'no ack, no commit');

  loseAcks = false;
  assert.ok((await bridge.runOnce()).ok);
  const paused = (await harness().dcm.messages()).filter((message) => message.event.data.id === 'inst-10' && message.event.data.status === 'PAUSED');
  assert.equal(paused.length, 1, 'stored once despite two publishes');
  const [committed] = await bridge.cache.readInstances('lost-ack', ['vm-10']);
  assert.equal(committed?.status, 'PAUSED');
});

test('Redis down: the poll fails and nothing is published', async () => {
  harness().setPlatform('cache-out', { instances: instances(1, 'on', 20) });
  const bridge = await harness().bridge(harness().config({ endpoints: ['cache-out'] }));
  assert.ok((await bridge.runOnce()).ok);
  const published = (await harness().dcm.messages()).length;
  harness().setPlatform('cache-out', { instances: instances(1, 'off', 20) });
  await harness().redis.stop();
  try {
    const result = await bridge.runOnce();
    assert.equal(result.ok, false);
    assert.equal(result.endpoints[0]?.lastError?.code, 'CACHE_FAILED');
    assert.equal((await harness().dcm.messages()).length, published, 'an unreadable cache never looks like "all new"');
  } finally {
    await harness().redis.restart();
  }
});
