import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventPublisher } from '../../src/publisher/index.js';
import type { Bridge } from '../../src/bridge/index.js';
import { instances, useHarness, type Harness } from '../support/harness.js';

const harness = useHarness();

/**
 * A bridge whose broker stores every event but whose acks can be lost on
 * demand, as when the reply is dropped or the bridge dies before reading it:
 * the real JetStream stores the message, the bridge sees a failure.
 */
async function bridgeLosingAcks(endpoint: string): Promise<{ bridge: Bridge; loseAcks(lose: boolean): void }> {
  const config = harness().config({ endpoints: [endpoint] });
  const real = await harness().bridge(config);
  let losing = false;
  const publisher: EventPublisher = {
    ...real.publisher,
    async publish(events) {
      const outcomes = await real.publisher.publish(events);
      return losing ? outcomes.map(() => ({ ok: false as const, error: new Error('ack lost') })) : outcomes;
    },
  };
  const bridge = await harness().bridge(config, { publisher });
  return { bridge, loseAcks: (lose) => (losing = lose) };
}

/** The statuses DCM received for one instance, in stream order. */
async function history(instanceId: string): Promise<string[]> {
  return (await harness().dcm.messages()).filter((message) => message.event.data.id === instanceId).map((message) => message.event.data.status);
}

const platform = (h: Harness, endpoint: string, rawState: string, from: number) => h.setPlatform(endpoint, { instances: instances(1, rawState, from) });

test('a lost ack followed by another change: DCM ends with the platform state, every change delivered', async () => {
  platform(harness(), 'lost-then-paused', 'on', 100);
  const { bridge, loseAcks } = await bridgeLosingAcks('lost-then-paused');
  assert.ok((await bridge.runOnce()).ok);

  platform(harness(), 'lost-then-paused', 'off', 100);
  loseAcks(true);
  assert.equal((await bridge.runOnce()).ok, false, 'the broker stored STOPPED, the bridge never heard');
  loseAcks(false);

  platform(harness(), 'lost-then-paused', 'paused', 100);
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(await history('inst-100'), ['RUNNING', 'STOPPED', 'PAUSED'], 'the retry of STOPPED is dropped as a duplicate and PAUSED is not');
  assert.equal((await bridge.cache.readInstances('lost-then-paused', ['vm-100']))[0]?.status, 'PAUSED');
});

test('a lost ack, then the VM returns to the committed state: DCM is told it returned', async () => {
  platform(harness(), 'flap-back', 'on', 200);
  const { bridge, loseAcks } = await bridgeLosingAcks('flap-back');
  assert.ok((await bridge.runOnce()).ok);

  platform(harness(), 'flap-back', 'off', 200);
  loseAcks(true);
  assert.equal((await bridge.runOnce()).ok, false);
  loseAcks(false);

  platform(harness(), 'flap-back', 'on', 200);
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(await history('inst-200'), ['RUNNING', 'STOPPED', 'RUNNING'], 'DCM heard STOPPED, so it must hear RUNNING again');
  assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(await history('inst-200'), ['RUNNING', 'STOPPED', 'RUNNING'], 'and nothing more once settled');
});

test('the first event of a new instance loses its ack, then the instance is deleted: DCM gets DELETED', async () => {
  platform(harness(), 'born-and-gone', 'on', 300);
  const { bridge, loseAcks } = await bridgeLosingAcks('born-and-gone');
  assert.ok((await bridge.runOnce()).ok);

  harness().setPlatform('born-and-gone', { instances: [...instances(1, 'on', 300), ...instances(1, 'building', 301)] });
  loseAcks(true);
  assert.equal((await bridge.runOnce()).ok, false, 'inst-301 PROVISIONING reached the stream; its ack did not reach the bridge');
  loseAcks(false);

  platform(harness(), 'born-and-gone', 'on', 300);
  for (let poll = 0; poll < 3; poll++) assert.ok((await bridge.runOnce()).ok);
  assert.deepEqual(await history('inst-301'), ['PROVISIONING', 'DELETED']);
  assert.deepEqual(await history('inst-300'), ['RUNNING']);
});

test('a duplicate ack for an event the bridge has no record of starts a new epoch and a resync', async () => {
  platform(harness(), 'forgotten', 'on', 400);
  const bridge = await harness().bridge(harness().config({ endpoints: ['forgotten'] }));
  assert.ok((await bridge.runOnce()).ok);
  const [running] = await bridge.cache.readInstances('forgotten', ['vm-400']);
  platform(harness(), 'forgotten', 'off', 400);
  assert.ok((await bridge.runOnce()).ok);
  const epochBefore = (await bridge.cache.currentEpoch()).id;

  // The cache silently loses the STOPPED commit (a rollback nothing detected), and the VM goes back and forth.
  await bridge.cache.writeState('forgotten', { records: [running!] });
  platform(harness(), 'forgotten', 'on', 400);
  assert.ok((await bridge.runOnce()).ok, 'RUNNING equals the stale record: nothing to send');
  platform(harness(), 'forgotten', 'off', 400);
  const collided = await bridge.runOnce();
  assert.equal(collided.ok, false, 'RUNNING→STOPPED rebuilt an id the stream holds: not taken for an ack');
  assert.match(collided.endpoints[0]?.lastError?.message ?? '', /no record of publishing/);
  assert.notEqual((await bridge.cache.currentEpoch()).id, epochBefore, 'a new epoch began');

  platform(harness(), 'forgotten', 'on', 400);
  assert.ok((await bridge.runOnce()).ok);
  const received = await history('inst-400');
  assert.equal(received.at(-1), 'RUNNING', `DCM ends with the platform state: ${received.join(' ')}`);
});

test('a real lost ack: the broker frozen past ackTimeoutSeconds stores the event late; the next change still reaches DCM', async () => {
  platform(harness(), 'frozen-broker', 'on', 500);
  const bridge = await harness().bridge(harness().config({ endpoints: ['frozen-broker'], ackTimeoutSeconds: 1 }));
  assert.ok((await bridge.runOnce()).ok);

  platform(harness(), 'frozen-broker', 'off', 500);
  harness().nats.pause();
  let frozen;
  try {
    frozen = await bridge.runOnce();
  } finally {
    // The publish sat in the socket; thawed, the server stores it and acks to a client that stopped listening.
    harness().nats.resume();
  }
  assert.equal(frozen.ok, false, 'no ack within ackTimeoutSeconds');
  assert.equal((await bridge.cache.readInstances('frozen-broker', ['vm-500']))[0]?.status, 'RUNNING', 'nothing committed');

  platform(harness(), 'frozen-broker', 'paused', 500);
  let settled = false;
  for (let attempt = 0; attempt < 20 && !settled; attempt++) {
    settled = (await bridge.runOnce()).ok;
    if (!settled) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(settled, 'the bridge publishes again once the broker answers');
  assert.deepEqual(await history('inst-500'), ['RUNNING', 'STOPPED', 'PAUSED'], 'the late-stored STOPPED is not repeated, and PAUSED is not dropped');
});
