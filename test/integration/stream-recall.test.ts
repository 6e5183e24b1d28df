import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { pino } from 'pino';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { buildStatusEvent, createStreamHistory, type StatusEventInput } from '../../src/publisher/index.js';
import { createDcmStream, type DcmStream } from '../support/jetstream-consumer.js';
import { startNats, type TestServer } from '../support/servers.js';

// Reading what DCM was told back from its stream (the recall after a cache loss), against a real nats-server -js.
let nats: TestServer;
let dcm: DcmStream;
let connection: NatsConnection;
const logger = pino({ level: 'silent' });

before(async () => {
  nats = await startNats();
  dcm = await createDcmStream(nats.url);
  connection = await connect({ servers: nats.url });
});
after(async () => {
  await connection.close();
  await dcm.close();
  await nats.stop();
});

const event = (overrides: Partial<StatusEventInput>): StatusEventInput => ({
  providerName: 'legacy-bridge',
  endpoint: 'nova',
  platform: 'openstack',
  serviceType: 'vm',
  platformId: 'server-1',
  instanceId: 'inst-1',
  status: 'RUNNING',
  previousStatus: undefined,
  message: 'VM is running',
  observedAt: Date.UTC(2026, 11, 2, 1),
  sequence: 1,
  epoch: 'epoch-1',
  ...overrides,
});

async function store(...inputs: StatusEventInput[]): Promise<void> {
  const client = jetstream(connection);
  for (const input of inputs) {
    const outgoing = buildStatusEvent(input);
    await client.publish(outgoing.subject, outgoing.body, { msgID: outgoing.id });
  }
}

test('the last state per platform instance of one endpoint, from this provider only, read again incrementally', async () => {
  const history = createStreamHistory({ connection: async () => connection, streamName: 'dcm-status', providerName: 'legacy-bridge', stallTimeoutMs: 5000, logger });
  await store(
    event({}),
    event({ platformId: 'server-2', instanceId: 'inst-2', status: 'STOPPED' }),
    event({ endpoint: 'other-endpoint', platformId: 'server-9', instanceId: 'inst-9' }),
    event({ providerName: 'kubevirt-provider', platformId: 'server-1', status: 'FAILED', sequence: 7 }),
    event({ status: 'PAUSED', sequence: 2, previousStatus: 'RUNNING' }),
  );
  await jetstream(connection).publish('dcm.vm', 'garbage that is no event');
  let states = await history.lastDelivered('nova');
  assert.deepEqual(
    [...states.values()].map((state) => [state.platformId, state.instanceId, state.status]),
    [
      ['server-1', 'inst-1', 'PAUSED'],
      ['server-2', 'inst-2', 'STOPPED'],
    ],
    "the later event wins; another endpoint's, another provider's and garbage are left out",
  );

  await store(event({ platformId: 'server-2', instanceId: 'inst-2', status: 'DELETED', sequence: 2, previousStatus: 'STOPPED' }));
  states = await history.lastDelivered('nova');
  assert.equal(states.get('server-2')?.status, 'DELETED', 'events stored after the first read are read too');
  assert.equal(states.get('server-1')?.status, 'PAUSED', 'and what was read before is kept');
  assert.deepEqual([...(await history.lastDelivered('other-endpoint')).keys()], ['server-9']);
});

test('a stream the bridge cannot read fails with an error that names the stream and how to turn the recall off', async () => {
  const history = createStreamHistory({ connection: async () => connection, streamName: 'no-such-stream', providerName: 'legacy-bridge', stallTimeoutMs: 5000, logger });
  await assert.rejects(history.lastDelivered('nova'), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.equal(error.code, ErrorCode.PublishFailed);
    assert.match(error.message, /stream no-such-stream/);
    assert.match(error.message, /publisher\.recallFromStream: false/);
    return true;
  });
});
