// A NATS or Redis outage fails every poll of the endpoints it serves, and each failure doubles their backoff (up to
// scheduler.backoffMaxSeconds, 5 minutes by default): without more, the changes made in the outage would reach DCM
// only at the end of a backoff that grew while the broker or cache was away. The built CLI, nats-server
// (restarted with its store) or redis-server (restarted empty) SIGKILLed under it; the bridge is watched over its
// status API, NATS and its log only.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_CREDENTIALS } from '../simulators/ec2/index.js';
import { bridgeConfigYaml, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';
import type { ReceivedMessage } from '../support/jetstream-consumer.js';
import type { TestServer } from '../support/servers.js';

const harness = useHarness();

interface EndpointStatusView {
  readonly consecutive_failures: number;
  readonly next_poll_time?: string;
  readonly last_error?: { readonly code: string; readonly message: string };
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function simulatorControl(url: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

interface Outage {
  readonly server: () => TestServer;
  /** The poll's error while it is down: its code and what its message says. */
  readonly code: string;
  readonly failure: RegExp;
  /** The start of the log line that says why the endpoint polls before its backoff ended. */
  readonly backAgain: string;
}

/** The built CLI polling one EC2 simulator process (`aws-lab`, 3 managed instances) on the harness's Redis and NATS; its status API read as `status()`. */
async function bridgeOnEc2(t: TestContext, configName: string) {
  const platform = await startSimulatorProcess('ec2', ['--instances', '3', '--tagged', '3']);
  t.after(() => platform.dispose());
  const endpoint = `  - name: aws-lab
    platform: ec2
    url: ${platform.url}
    region: us-east-1
    intervalSeconds: 10
    credentials: { accessKeyId: "\${env:AWS_KEY_ID}", secretAccessKey: "\${env:AWS_SECRET}" }
`;
  const yaml = bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, ackTimeoutSeconds: 2, endpoints: endpoint });
  // Counted before the bridge starts: its first poll may publish before it logs that its API listens.
  const before = (await harness().dcm.messages()).length;
  const bridge = await startBridgeRun(writeConfig(harness(), configName, yaml), { env: { AWS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId, AWS_SECRET: DEFAULT_CREDENTIALS.secretAccessKey } });
  t.after(() => bridge.dispose());
  const status = async (): Promise<EndpointStatusView> => (await (await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints/aws-lab/status`)).json()) as EndpointStatusView;
  return { platform, bridge, before, status };
}

async function changeReachesDcmBeforeTheBackoffEnds(t: TestContext, outage: Outage): Promise<void> {
  const { platform, bridge, before, status } = await bridgeOnEc2(t, `back-${outage.code}.yaml`);
  const stoppedEvents = async (): Promise<ReceivedMessage[]> => (await harness().dcm.messages()).slice(before).filter((message) => message.event.data.status === 'STOPPED');

  await until("the first poll's three events", async () => ((await harness().dcm.messages()).length === before + 3 ? true : undefined));
  await outage.server().kill();
  const { instances } = (await simulatorControl(platform.url, '/_sim/instances')) as { instances: Array<{ instanceId: string; tags: Record<string, string> }> };
  const stopped = instances.find((instance) => instance.tags['managed-by'] === 'dcm');
  assert.ok(stopped, 'a managed instance');
  await simulatorControl(platform.url, `/_sim/instances/${stopped.instanceId}/state`, { state: 'stopped' });

  // The next poll, at the 10 s interval, fails: it backs off 2 intervals.
  const failed = await until('a failed poll', async () => {
    const view = await status();
    return view.consecutive_failures >= 1 && view.next_poll_time !== undefined ? view : undefined;
  });
  assert.equal(failed.last_error?.code, outage.code, JSON.stringify(failed));
  assert.match(failed.last_error?.message ?? '', outage.failure, 'it failed at once on the lost link, not at a timeout');
  const backoffEnds = Date.parse(failed.next_poll_time ?? '');

  await outage.server().restart();
  const [delivered] = await until('the STOPPED event', async () => ((await stoppedEvents()).length > 0 ? stoppedEvents() : undefined), 40_000);
  const deliveredAt = Date.now();
  assert.equal(delivered?.event.data.id, stopped.tags['dcm-instance-id'], 'the change made in the outage reached DCM');
  assert.ok(deliveredAt < backoffEnds, `delivered ${backoffEnds - deliveredAt} ms before the backoff would have polled (${failed.next_poll_time})`);
  assert.ok(
    bridge.logLines().some((line) => typeof line['msg'] === 'string' && line['msg'].startsWith(outage.backAgain)),
    'the log says why the endpoint polls before its backoff ended',
  );
  // The event is in the stream before its poll commits and settles: the status shows the success a moment later.
  await until('the poll after the outage to succeed', async () => ((await status()).consecutive_failures === 0 ? true : undefined));
}

test('when NATS comes back, an endpoint backing off after publish failures polls one interval after its last try, not at the end of its backoff', (t) =>
  changeReachesDcmBeforeTheBackoffEnds(t, {
    server: () => harness().nats,
    code: 'PUBLISH_FAILED',
    failure: /is down and the client is reconnecting|dropped before JetStream acknowledged/,
    backAgain: 'the broker is back: aws-lab polls again at',
  }));

test('when Redis comes back, an endpoint backing off after cache failures polls one interval after its last try, not at the end of its backoff', (t) =>
  changeReachesDcmBeforeTheBackoffEnds(t, {
    server: () => harness().redis,
    code: 'CACHE_FAILED',
    failure: /state cache \(redis\)/,
    backAgain: 'the cache is back: aws-lab polls again at',
  }));

test('a health change made while NATS was away is announced once it is back, from the health subscribers last heard', async (t) => {
  const subscriber = await connect({ servers: harness().nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  t.after(() => subscriber.close());
  const heard: Array<{ readonly status: string; readonly previous_status: string | null }> = [];
  subscriber.subscribe('dcm.bridge.health', { callback: (_error, message) => void heard.push(message.json<{ data: { status: string; previous_status: string | null } }>().data) });
  await subscriber.flush();
  const { platform, status } = await bridgeOnEc2(t, 'health-back.yaml');
  await until('"healthy" announced', async () => (heard.some((data) => data.status === 'healthy') ? true : undefined));

  // The platform fails while the broker is away: the endpoint turns unhealthy, which cannot be announced then.
  await harness().nats.kill();
  await simulatorControl(platform.url, '/_sim/faults', { faults: [{ kind: 'http5xx', status: 503 }] });
  await until('a failed poll', async () => ((await status()).consecutive_failures >= 1 ? true : undefined));
  await harness().nats.restart();
  // Its platform still failing, the endpoint keeps its backoff; its next poll's verdict, unhealthy again, is announced.
  const announced = await until('the "unhealthy" announcement', async () => heard.find((data) => data.status === 'unhealthy'), 45_000);
  assert.equal(announced.previous_status, 'healthy', 'from the health subscribers last heard');
});
