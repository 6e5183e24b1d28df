import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { describeEvent, readCloudEvent, type CloudEventFields } from '../../examples/event-line.js';
import { spawnNodeScript } from '../support/cli-process.js';
import { startNats } from '../support/servers.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const demoCli = join(outDir, 'demo', 'cli.js');
const consumerCli = join(outDir, 'examples', 'jetstream-consumer.js');

/** Every message of `stream` so far, in order, read with an ordered consumer. */
async function streamMessages(url: string, stream: string): Promise<Array<{ subject: string; body: string }>> {
  const connection = await connect({ servers: url });
  try {
    const total = (await (await jetstreamManager(connection)).streams.info(stream)).state.messages;
    const consumer = await jetstream(connection).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const messages: Array<{ subject: string; body: string }> = [];
    for await (const message of await consumer.fetch({ max_messages: total, expires: 2000 })) {
      messages.push({ subject: message.subject, body: message.string() });
      if (messages.length === total) break;
    }
    return messages;
  } finally {
    await connection.close();
  }
}

const lineOf = (body: string): string => {
  const read = readCloudEvent(body);
  assert.ok('event' in read, body);
  return describeEvent(read.event);
};

test('npm run demo --nats and the example consumer: a line per event read back from JetStream, DELETED and health changes included; copies dropped; a restart resumes; both stop cleanly', { timeout: 90_000 }, async (t) => {
  const nats = await startNats();
  t.after(() => nats.dispose());
  const demo = spawnNodeScript(demoCli, ['--nats-url', nats.url, '--speed', '20']);
  t.after(() => demo.dispose());
  await demo.waitForLine('stderr', /consuming dcm\.> from stream dcm-status/, 20_000);
  // A second, separate subscriber: the example consumer as a user runs it, on the stream the demo created (dcm.>).
  const consumerArgs = ['--server', nats.url, '--durable', 'process-test'];
  const consumer = spawnNodeScript(consumerCli, consumerArgs);
  t.after(() => consumer.dispose());

  await demo.waitForLine('stderr', /demo: story: told/, 60_000);
  const demoExit = await demo.stop('SIGINT');
  assert.deepEqual([demoExit.code, demoExit.signal], [0, null], demo.stderr().slice(-3000));

  const messages = await streamMessages(nats.url, 'dcm-status');
  const expected = messages.map((message) => lineOf(message.body));
  const printed = (): string[] => consumer.stdout().split('\n').filter(Boolean);
  // The consumer reads at its own pace: wait (polling its output, bounded) until it printed as many lines as the stream holds.
  for (const deadline = Date.now() + 20_000; printed().length < expected.length && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(printed(), expected, 'the consumer printed one line per event in the stream, in stream order');
  assert.ok(expected.some((line) => /^vm inst-\d+ \w+ → DELETED \(vc-demo\): .*404/.test(line)), 'a DELETED among them');
  for (const change of ['healthy → unhealthy', 'unhealthy → unavailable: 3 consecutive polls failed', 'unavailable → healthy']) {
    assert.ok(expected.some((line) => line.startsWith(`endpoint os-demo ${change}`)), `the health event os-demo ${change} (dcm.bridge.health) among them`);
  }
  assert.ok(messages.some((message) => message.subject === 'dcm.bridge.health') && messages.some((message) => message.subject === 'dcm.vm'), 'status and health subjects both consumed');

  // The demo printed the same events through the same consumer code, each line before its JSON.
  const demoLines = demo.stdout().split('\n').filter(Boolean);
  for (const line of expected.filter((candidate) => candidate.includes('DELETED') || candidate.startsWith('endpoint os-demo'))) assert.ok(demoLines.includes(line), `the demo printed ${line}`);

  // A copy of an event under a new Nats-Msg-Id (a re-send outside the stream's duplicate window): the consumer drops it by CloudEvent id.
  const first = readCloudEvent(messages[0]!.body) as { event: CloudEventFields };
  const connection = await connect({ servers: nats.url });
  t.after(() => connection.close());
  const client = jetstream(connection);
  const copyHeaders = headers();
  copyHeaders.set('Nats-Msg-Id', 'copy-of-first');
  await client.publish(messages[0]!.subject, messages[0]!.body, { headers: copyHeaders });
  await consumer.waitForLine('stderr', new RegExp(`event ${first.event.id} \\(stream message ${messages.length + 1}\\) is a copy of one handled; dropped`));
  const consumerExit = await consumer.stop('SIGTERM', 10_000);
  assert.deepEqual([consumerExit.code, consumerExit.signal], [0, null], consumer.stderr());
  assert.equal(printed().length, expected.length, 'no line for the copy');

  // Durable: a restarted consumer resumes after what it acknowledged; only the new event is printed.
  const fresh = { ...first.event, id: 'process-test-new-event', data: { id: 'inst-09999', status: 'STOPPED', message: '' }, dcmpreviousstatus: 'RUNNING', dcmresync: false };
  await client.publish('dcm.vm', JSON.stringify(fresh));
  const restarted = spawnNodeScript(consumerCli, consumerArgs);
  t.after(() => restarted.dispose());
  await restarted.waitForLine('stdout', /^vm inst-09999 RUNNING → STOPPED/);
  const restartExit = await restarted.stop('SIGINT', 10_000);
  assert.deepEqual([restartExit.code, restartExit.signal], [0, null], restarted.stderr());
  assert.deepEqual(restarted.stdout().split('\n').filter(Boolean), [`vm inst-09999 RUNNING → STOPPED (${String(first.event['dcmendpoint'])})`], 'the restart printed only the new event');
});
