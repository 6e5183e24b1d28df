// #16: the events the built CLI really publishes are the ones api/asyncapi.yaml describes. One `run` against two
// EC2 simulator processes: one whose managed instances start running and then stop, terminate (a deletion) and
// begin stopping; one whose every answer is EC2's 503 `Unavailable` (a platform outage). Status events are read
// back from DCM's JetStream stream, health events from a core NATS subscription; each is checked, headers and
// body, against its channel's message schemas as the AsyncAPI parser reads them. The example consumer
// (examples/jetstream-consumer.ts, built) runs beside it as a user runs it and prints one line per status event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_CREDENTIALS } from '../simulators/ec2/index.js';
import { bridgeCliScript, bridgeConfigYaml, exampleConsumerScript, spawnNodeScript, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';
import type { ReceivedMessage } from '../support/jetstream-consumer.js';
import { loadEventContract } from '../contract/asyncapi-contract.js';
import { describeEvent, type CloudEventFields } from '../../examples/event-line.js';

const harness = useHarness();
const healthSubject = 'dcm.bridge.health';

/** The EC2 endpoint YAML of one simulator process, its keys from the environment. */
const ec2EndpointYaml = (name: string, url: string): string => `  - name: ${name}
    platform: ec2
    url: ${url}
    region: us-east-1
    intervalSeconds: 10
    credentials: { accessKeyId: "\${env:AWS_KEY_ID}", secretAccessKey: "\${env:AWS_SECRET}" }
`;

async function simulatorControl(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

test('status and health events of run, read from NATS, match the AsyncAPI document: headers, CloudEvent attributes, data, extensions', async (t) => {
  const [contract, platform, outage] = await Promise.all([
    loadEventContract(),
    startSimulatorProcess('ec2', ['--instances', '5', '--tagged', '4']),
    startSimulatorProcess('ec2', ['--instances', '2', '--tagged', '2']),
  ]);
  t.after(() => Promise.all([platform.dispose(), outage.dispose()]));
  await simulatorControl(outage.url, '/_sim/faults', { faults: [{ kind: 'http5xx', status: 503 }] });

  // Health events go out on core NATS, outside DCM's stream: subscribed before the bridge starts.
  const subscriber = await connect({ servers: harness().nats.url });
  t.after(() => subscriber.close());
  const healthMessages: Array<Pick<ReceivedMessage, 'subject' | 'headers'> & { body: unknown }> = [];
  subscriber.subscribe(healthSubject, {
    callback: (_error, message) => {
      const headers: Record<string, string> = {};
      for (const [key, values] of message.headers ?? []) headers[key] = values.join(',');
      healthMessages.push({ subject: message.subject, headers, body: message.json() });
    },
  });
  await subscriber.flush();

  const yaml = bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: ec2EndpointYaml('aws-lab', platform.url) + ec2EndpointYaml('aws-down', outage.url) });
  // Nothing here needs the bridge's API: the events are awaited in the stream, not a listening line.
  const bridge = spawnNodeScript(bridgeCliScript, ['run', '--config', writeConfig(harness(), 'asyncapi.yaml', yaml)], { env: { AWS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId, AWS_SECRET: DEFAULT_CREDENTIALS.secretAccessKey } });
  t.after(() => bridge.dispose());
  // A separate subscriber on DCM's stream (dcm-status, which the harness created on dcm.*), with its own durable.
  const consumer = spawnNodeScript(exampleConsumerScript, ['--server', harness().nats.url, '--durable', 'asyncapi-example']);
  t.after(() => consumer.dispose());

  const eventsOf = async (count: number): Promise<ReceivedMessage[]> => {
    let received = await harness().dcm.messages();
    for (const deadline = Date.now() + 25_000; received.length < count && Date.now() < deadline; received = await harness().dcm.messages()) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(received.length, count, `${count} status events expected:\n${bridge.stderr().slice(-3000)}`);
    return received;
  };

  // First poll: the four managed instances, running.
  await eventsOf(4);
  const { instances } = (await simulatorControl(platform.url, '/_sim/instances')) as { instances: Array<{ instanceId: string; tags: Record<string, string> }> };
  const managed = instances.filter((instance) => instance.tags['managed-by'] === 'dcm').map((instance) => instance.instanceId);
  const nextStates = ['stopped', 'terminated', 'stopping'];
  for (const [index, state] of nextStates.entries()) await simulatorControl(platform.url, `/_sim/instances/${managed[index]}/state`, { state });
  // Second poll, at the 10 s floor: three transitions, a deletion among them.
  const received = await eventsOf(4 + nextStates.length);

  const statusSeen = new Set<string>();
  for (const message of received) {
    assert.deepEqual(contract.check(message.subject, { headers: message.headers, payload: message.event }), [], `${message.subject} ${JSON.stringify(message.headers)} ${JSON.stringify(message.event)}`);
    assert.equal(message.headers['Nats-Msg-Id'], message.event['id'], 'Nats-Msg-Id is the CloudEvent id');
    statusSeen.add(`${String(message.event['dcmpreviousstatus'] ?? '-')}>${message.event.data.status}`);
  }
  assert.deepEqual([...statusSeen].sort(), ['->RUNNING', 'RUNNING>DELETED', 'RUNNING>STOPPED', 'RUNNING>STOPPING'], 'the events checked cover first sightings, a stop, a deletion and a stopping instance');

  // The example consumer printed one line per status event of the stream, in stream order, the deletion with its evidence.
  const expectedLines = received.map((message) => describeEvent(message.event as unknown as CloudEventFields));
  const printed = (): string[] => consumer.stdout().split('\n').filter(Boolean);
  for (const deadline = Date.now() + 10_000; printed().length < expectedLines.length && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(printed(), expectedLines, `the example consumer's lines:\n${consumer.stderr()}`);
  assert.equal(printed().filter((line) => /^vm \S+ RUNNING → DELETED \(aws-lab\): \S/.test(line)).length, 1, 'one DELETED line, naming the endpoint and the evidence');
  const consumerExit = await consumer.stop('SIGTERM', 10_000);
  assert.deepEqual([consumerExit.code, consumerExit.signal], [0, null], consumer.stderr());

  // Health: aws-lab healthy after its first poll, aws-down unhealthy after its first failed one.
  for (const deadline = Date.now() + 10_000; healthMessages.length < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
  await subscriber.flush();
  const verdicts = healthMessages.map((message) => {
    assert.deepEqual(contract.check(healthSubject, { headers: message.headers, payload: message.body }), [], `${JSON.stringify(message.headers)} ${JSON.stringify(message.body)}`);
    const data = (message.body as { data: { endpoint: string; status: string } }).data;
    return `${data.endpoint}:${data.status}`;
  });
  assert.ok(verdicts.includes('aws-lab:healthy') && verdicts.includes('aws-down:unhealthy'), `a health event for the working endpoint and for the outage: ${verdicts.join(', ')}`);

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr().slice(-3000));
});
