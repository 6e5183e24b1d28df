import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import { buildStatusEvent, createNatsPublisher, type EventPublisher, type OutgoingEvent, type PublishOutcome } from '../../src/publisher/index.js';
import { startNats, type TestServer } from '../support/servers.js';

// When the link to nats-server drops, the client discards what it had not written and acks sent to the old
// link never come: the bridge's publishes fail at once and the poll backs off, instead of each waiting
// ackTimeoutSeconds for nothing (which stretched the blind time after a broker restart, see the fault suite).

const streamName = 'dcm-status';
// Far past the test's own timeout: an outcome that arrives at all did not come from the ack timer.
const ackTimeoutMs = 600_000;

let nats: TestServer;
let publisher: EventPublisher;
/** The publisher's log lines, parsed. */
const logged: Record<string, unknown>[] = [];

before(async () => {
  nats = await startNats();
  const setup = await connect({ servers: nats.url });
  await (await jetstreamManager(setup)).streams.add({ name: streamName, subjects: ['dcm.*'] });
  await setup.close();
  publisher = createNatsPublisher({ url: nats.url, jetstream: true, createStream: false, streamName, maxInFlight: 8, ackTimeoutMs, retryDelayMs: 100, connectionName: 'link-drop-test', recall: { providerName: 'p' }, logger: pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) }) });
});
after(async () => {
  await publisher.close();
  await nats.dispose();
});

const event = (sequence: number): OutgoingEvent =>
  buildStatusEvent({ providerName: 'p', endpoint: 'lab', platform: 'file', serviceType: 'vm', platformId: `vm-${sequence}`, instanceId: `inst-${sequence}`, status: 'RUNNING', previousStatus: undefined, message: 'm', observedAt: 0, sequence, epoch: 'link-drop-test' });

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function failure(outcome: PublishOutcome | undefined): string {
  assert.ok(outcome && !outcome.ok, `the publish failed, got ${JSON.stringify(outcome)}`);
  return outcome.error.message;
}

test('a broker that crashes while publishes await their acks fails them at once; while it is away publishes, announcements and stream reads fail at once; after it returns each event is stored once', { timeout: 60_000 }, async () => {
  const [stored] = await publisher.publish([event(1)]);
  assert.ok(stored?.ok, 'connected: the first event is acknowledged');

  // Frozen, the server reads nothing: the next events sit in its socket, unanswered, when it dies.
  nats.pause();
  // The stop reaches every thread of the server a moment after the signal is sent.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const awaiting = publisher.publish([event(2), event(3)]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await nats.kill();
  const dropped = await awaiting;
  for (const outcome of dropped) assert.match(failure(outcome), /connection to NATS at .* dropped before JetStream acknowledged the publish/);

  await waitFor(() => !publisher.isConnected(), 'the publisher to see the link down');
  const [whileAway] = await publisher.publish([event(4)]);
  assert.match(failure(whileAway), /connection to NATS at .* is down and the client is reconnecting; nothing is published until it is back/);
  await assert.rejects(publisher.announce('dcm.bridge.health', '{}'), /is down and the client is reconnecting/, 'a health announcement cannot leave either, and its caller hears so');
  assert.ok(publisher.history, 'the recall is on');
  await assert.rejects(publisher.history.lastDelivered('lab'), /cannot read what DCM was told from stream dcm-status: the connection to NATS at .* is down and the client is reconnecting/, 'nor can the recall read the stream');

  await nats.restart();
  await waitFor(() => publisher.isConnected(), 'the publisher to reconnect');
  const again = await publisher.publish([event(1), event(2), event(3), event(4)]);
  assert.ok(again.every((outcome) => outcome.ok), `after the restart every event is acknowledged: ${JSON.stringify(again)}`);
  assert.deepEqual(again[0], { ok: true, duplicate: true }, 'the event stored before the crash is a duplicate');

  const reader = await connect({ servers: nats.url });
  try {
    const info = await (await jetstreamManager(reader)).streams.info(streamName);
    assert.equal(info.state.messages, 4, 'each event is in the stream once');
  } finally {
    await reader.close();
  }
});

test('a broker that crashes while the recall reads the stream fails the read at once, and a read after its return recalls every instance', { timeout: 90_000 }, async () => {
  assert.ok(publisher.history, 'the recall is on');
  // Enough events that the read is still under way when the server dies: the consumer fetches 1,000 at a time.
  const count = 40_000;
  for (let first = 1; first <= count; first += 1000) {
    const outcomes = await publisher.publish(Array.from({ length: 1000 }, (_, index) => event(100 + first + index)));
    assert.ok(outcomes.every((outcome) => outcome.ok), 'the stream is filled');
  }

  const watcher = await connect({ servers: nats.url });
  const reading = publisher.history.lastDelivered('lab');
  const failed = reading.then(
    () => undefined,
    (error: unknown) => error,
  );
  try {
    const manager = await jetstreamManager(watcher);
    // The read's consumer exists and has delivered some of the stream: the read is part way through it.
    const deadline = Date.now() + 20_000;
    const delivered = async (): Promise<number> => (await manager.consumers.list(streamName).next())[0]?.delivered.stream_seq ?? 0;
    while ((await delivered()) < 2000) {
      if (Date.now() > deadline) throw new Error('the read never got 2,000 messages into the stream');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await watcher.close().catch(() => undefined);
  }
  await nats.kill();
  const error = await failed;
  // The stall timeout is 600 s (the ack timeout's): an error within the test's timeout came from the lost link.
  assert.ok(error instanceof Error, 'the read fails while the broker is away');
  const stoppedAt = /cannot read what DCM was told from stream dcm-status: the connection to NATS at .* dropped while the stream was being read \(read through sequence (\d+) of (\d+)\)/.exec(error.message);
  assert.ok(stoppedAt, `the error names the lost link and how far the read got: ${error.message}`);
  const readBeforeCrash = Number(stoppedAt[1]);

  await nats.restart();
  await waitFor(() => publisher.isConnected(), 'the publisher to reconnect');
  const states = await publisher.history.lastDelivered('lab');
  assert.equal(states.size, count + 4, 'every instance the stream holds is recalled, the ones read before the crash and the rest');
  assert.equal(states.get(`vm-${100 + count}`)?.status, 'RUNNING');
  const reads = logged.filter((entry) => entry['msg'] === 'read what DCM was told back from its stream');
  assert.equal(reads.length, 1, 'one read completed');
  const readAfterReturn = Number(reads[0]?.['messages']);
  // How far the first read got depends on the machine (CI's once read none before the kill); the second reads exactly the rest.
  assert.equal(readAfterReturn, count + 4 - readBeforeCrash, `the read after the return went on from sequence ${readBeforeCrash}, where the read before the crash stopped`);
});
