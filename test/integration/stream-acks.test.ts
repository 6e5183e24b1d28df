import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { pino } from 'pino';
import { buildStatusEvent, createNatsPublisher, createStreamAcks, StreamAckError, type StreamAck, type StreamAcks } from '../../src/publisher/index.js';
import { startNats, type TestServer } from '../support/servers.js';

// #12: the bridge matches JetStream's acks to its publishes itself; an ack means what the JetStream client's publish meant.
let nats: TestServer;
let restricted: TestServer;
let connection: NatsConnection;
let manager: JetStreamManager;
const restrictedUser = { name: 'bridge', password: 'restricted-secret-71c2', publishDenied: ['dcm.container'] };

before(async () => {
  [nats, restricted] = await Promise.all([startNats(), startNats({ restrictedUser })]);
  connection = await connect({ servers: nats.url });
  manager = await jetstreamManager(connection);
  await manager.streams.add({ name: 'acks', subjects: ['acks.*'] });
  // Full after one message and refusing more: JetStream answers the second publish with an API error.
  await manager.streams.add({ name: 'full', subjects: ['full.*'], max_msgs: 1, discard: DiscardPolicy.New });
});
after(async () => {
  await connection.close();
  await Promise.all([nats.dispose(), restricted.dispose()]);
});

const withId = (id: string) => {
  const result = headers();
  result.set('Nats-Msg-Id', id);
  return result;
};

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<StreamAckError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(outcome instanceof StreamAckError, `rejected with a StreamAckError, not ${String(outcome)}`);
  return outcome;
}

test('each ack is its own publish\'s: 2,000 in flight at once, each ack\'s sequence holds the message published with its id', async () => {
  const acks = createStreamAcks(connection);
  const ids = Array.from({ length: 2000 }, (_, index) => `many-${index}`);
  const answers = await Promise.all(ids.map((id) => acks.publish('acks.many', `body of ${id}`, withId(id), 10_000)));
  assert.equal(new Set(answers.map((ack) => ack.sequence)).size, ids.length, 'every publish got its own sequence');
  for (const position of [0, 1, 777, 1999]) {
    const answer = answers[position] as StreamAck;
    const stored = await manager.streams.getMessage('acks', { seq: answer.sequence });
    assert.equal(stored?.header.get('Nats-Msg-Id'), ids[position], `sequence ${answer.sequence} holds ${ids[position]}`);
    assert.equal(stored?.string(), `body of ${ids[position]}`);
    assert.equal(answer.stream, 'acks');
  }
});

test('an ack reads as the JetStream client\'s own publish reads it, the duplicate flag included', async () => {
  const acks = createStreamAcks(connection);
  const client = jetstream(connection);
  const first = await acks.publish('acks.same', 'one', withId('same-1'), 5000);
  const again = await acks.publish('acks.same', 'one', withId('same-1'), 5000);
  const clientAgain = await client.publish('acks.same', 'one', { msgID: 'same-1' });
  assert.deepEqual(first, { stream: 'acks', sequence: first.sequence, duplicate: false });
  assert.deepEqual(again, { stream: clientAgain.stream, sequence: clientAgain.seq, duplicate: clientAgain.duplicate });
  assert.equal(again.duplicate, true, 'a repeated Nats-Msg-Id is a duplicate');
  assert.equal(again.sequence, first.sequence, 'the duplicate names the stored message');
});

test('no stream on the subject is code 503; a stream refusing the message is an API error naming why, not "no stream"', async () => {
  const acks = createStreamAcks(connection);
  const noStream = await rejection(acks.publish('nowhere.vm', 'x', withId('n-1'), 5000));
  assert.equal(noStream.code, '503');
  await acks.publish('full.vm', 'x', withId('f-1'), 5000);
  const refused = await rejection(acks.publish('full.vm', 'x', withId('f-2'), 5000));
  assert.equal(refused.code, 'api');
  assert.match(refused.message, /maximum messages exceeded/i);
});

test('no answer within the timeout rejects; an answer arriving later is dropped and the acks go on', async () => {
  const acks = createStreamAcks(connection);
  // A core subscriber, not a stream: the publish has a responder, which answers late.
  const late = connection.subscribe('slow.vm', {
    callback: (_error, message) => {
      setTimeout(() => message.respond(JSON.stringify({ stream: 'slow', seq: 1 })), 400);
    },
  });
  try {
    const timedOut = await rejection(acks.publish('slow.vm', 'x', withId('s-1'), 100));
    assert.equal(timedOut.code, 'timeout');
    assert.match(timedOut.message, /no ack from JetStream within 100 ms/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await acks.publish('acks.after', 'x', withId('after-late'), 5000);
    assert.equal(next.stream, 'acks', 'a later publish gets its own ack, not the late one');
  } finally {
    late.unsubscribe();
  }
});

test('an answer that is not an ack rejects the publish', async () => {
  const acks = createStreamAcks(connection);
  const liar = connection.subscribe('liar.*', {
    callback: (_error, message) => {
      message.respond(message.subject === 'liar.json' ? JSON.stringify({ ok: true }) : 'not json');
    },
  });
  try {
    assert.equal((await rejection(acks.publish('liar.json', 'x', withId('l-1'), 5000))).code, 'invalid');
    assert.equal((await rejection(acks.publish('liar.text', 'x', withId('l-2'), 5000))).code, 'invalid');
  } finally {
    liar.unsubscribe();
  }
});

/** A publish to a subscriber that never answers, given up by `end` once it is on the wire: its rejection, and the acks for more. */
async function silentPublishEndedBy(end: (acks: StreamAcks) => void): Promise<{ readonly acks: StreamAcks; readonly rejected: StreamAckError }> {
  const acks = createStreamAcks(connection);
  const silent = connection.subscribe('silent.vm', { callback: () => undefined });
  try {
    const waiting = acks.publish('silent.vm', 'x', withId(`silent-${Math.random()}`), 60_000);
    await connection.flush();
    end(acks);
    return { acks, rejected: await rejection(waiting) };
  } finally {
    silent.unsubscribe();
  }
}

test('close rejects what awaits an ack, and every later publish at once', async () => {
  const { acks, rejected } = await silentPublishEndedBy((acks) => acks.close('closing for the test'));
  assert.equal(rejected.code, 'closed');
  assert.match(rejected.message, /closing for the test/);
  assert.equal((await rejection(acks.publish('acks.late', 'x', withId('c-2'), 60_000))).code, 'closed');
});

test('a lost link rejects what awaits an ack as link-lost; later publishes get their acks', async () => {
  const { acks, rejected } = await silentPublishEndedBy((acks) => acks.linkLost('the link dropped for the test'));
  assert.equal(rejected.code, 'link-lost');
  assert.match(rejected.message, /the link dropped for the test/);
  const next = await acks.publish('acks.after-link', 'x', withId('after-link'), 5000);
  assert.equal(next.stream, 'acks', 'unlike close, a lost link refuses nothing later');
});

test('the bridge\'s publisher: a subject the server forbids fails with the server\'s refusal, not at the ack timeout', async () => {
  const dcm = await connect({ servers: restricted.url, user: restrictedUser.name, pass: restrictedUser.password });
  await (await jetstreamManager(dcm)).streams.add({ name: 'dcm-status', subjects: ['dcm.*'] });
  const publisher = createNatsPublisher({ url: restricted.url, user: restrictedUser.name, password: restrictedUser.password, jetstream: true, createStream: false, streamName: 'dcm-status', maxInFlight: 8, ackTimeoutMs: 60_000, connectionName: 'test', logger: pino({ level: 'silent' }) });
  const event = (serviceType: 'vm' | 'container') =>
    buildStatusEvent({ providerName: 'p', endpoint: 'lab', platform: 'file', serviceType, platformId: `${serviceType}-1`, instanceId: 'inst-1', status: 'RUNNING', previousStatus: undefined, message: 'm', observedAt: 0, sequence: 1, epoch: 'permission-test' });
  try {
    const [allowed, forbidden] = await publisher.publish([event('vm'), event('container')]);
    assert.ok(allowed?.ok, 'dcm.vm is acknowledged');
    assert.ok(forbidden && !forbidden.ok, 'dcm.container is not');
    assert.match(forbidden.error.message, /publish to dcm\.container failed: .*Permissions Violation for Publish to "dcm\.container"/);
  } finally {
    await publisher.close();
    await dcm.close();
  }
});
