import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildStatusEvent, createNatsPublisher } from '../../src/publisher/index.js';
import { startNats, type TestServer } from '../support/servers.js';

let nats: TestServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats.dispose();
});

const event = (sequence: number) =>
  buildStatusEvent({ providerName: 'p', endpoint: 'lab', platform: 'file', serviceType: 'vm', platformId: 'vm-1', instanceId: 'inst-1', status: 'RUNNING', previousStatus: undefined, message: 'm', observedAt: 0, sequence, epoch: 'test-epoch' });

const options = { jetstream: true, createStream: false, streamName: 'dcm-status', maxInFlight: 8, ackTimeoutMs: 1000, connectionName: 'test', logger: pino({ level: 'silent' }) };

test('without a stream on dcm.* the bridge creates none and says why the publish failed', async () => {
  const publisher = createNatsPublisher({ ...options, url: nats.url });
  try {
    const [outcome] = await publisher.publish([event(1)]);
    assert.ok(outcome && !outcome.ok);
    assert.match(outcome.error.message, /no JetStream stream captures dcm\.vm/);
    const connection = await connect({ servers: nats.url });
    const manager = await jetstreamManager(connection);
    const streams = await manager.streams.names().next();
    assert.deepEqual(streams, [], 'no stream was created behind the operator\'s back');
    await connection.close();
  } finally {
    await publisher.close();
  }
});

test('createStream: true creates the stream on dcm.* (standalone setups) and publishes with acks', async () => {
  const publisher = createNatsPublisher({ ...options, url: nats.url, createStream: true, streamName: 'standalone' });
  try {
    const outcomes = await publisher.publish([event(1), event(2), event(1)]);
    assert.deepEqual(outcomes.map((outcome) => outcome.ok && outcome.duplicate), [false, false, true], 'the repeated id is acknowledged as a duplicate');
    const connection = await connect({ servers: nats.url });
    const manager = await jetstreamManager(connection);
    const info = await manager.streams.info('standalone');
    assert.deepEqual(info.config.subjects, ['dcm.*']);
    assert.equal(info.state.messages, 2);
    await manager.streams.delete('standalone');
    await connection.close();
  } finally {
    await publisher.close();
  }
});

test('core NATS mode publishes without JetStream (at most once)', async () => {
  const connection = await connect({ servers: nats.url });
  const subscription = connection.subscribe('dcm.vm', { max: 2 });
  const publisher = createNatsPublisher({ ...options, url: nats.url, jetstream: false });
  try {
    assert.equal(publisher.guarantee, 'core');
    const outcomes = await publisher.publish([event(1), event(2)]);
    assert.ok(outcomes.every((outcome) => outcome.ok));
    const received: string[] = [];
    for await (const message of subscription) received.push(message.headers?.get('Nats-Msg-Id') ?? '');
    assert.deepEqual(received, [event(1).id, event(2).id]);
  } finally {
    await publisher.close();
    await connection.close();
  }
});
