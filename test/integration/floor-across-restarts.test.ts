import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, useHarness, writeConfig } from '../support/harness.js';
import { redisCommand } from '../support/servers.js';

const harness = useHarness();

/** The poll start the bridge keeps in Redis for `endpoint` (read as DCM's operators would: over Redis). */
async function rememberedPollStart(endpoint: string): Promise<number | undefined> {
  const [key] = (await redisCommand(harness().redis, '--scan', '--pattern', `*pollstart:${endpoint}`)).split('\n').filter(Boolean);
  if (!key) return undefined;
  const stored = JSON.parse(await redisCommand(harness().redis, 'GET', key)) as { value: number } | number;
  return typeof stored === 'number' ? stored : stored.value;
}

test('a restarted bridge process waits out the floor since the previous process polled', async () => {
  harness().setPlatform('floored', { instances: instances(2, 'on', 10) });
  const config = writeConfig(harness(), 'floored.yaml', harness().configYaml({ endpoints: ['floored'] }).replace('intervalSeconds: 1', 'intervalSeconds: 3'));
  const env = { TEST_ADAPTER_FLOOR_SECONDS: '3' };

  const first = await harness().runProcess(['once', '--config', config], { env });
  assert.equal(first.code, 0, first.stderr);
  const firstStart = await rememberedPollStart('floored');
  assert.ok(firstStart !== undefined, 'the poll start is kept in Redis');

  const second = await harness().runProcess(['once', '--config', config], { env });
  assert.equal(second.code, 0, second.stderr);
  const secondStart = await rememberedPollStart('floored');
  assert.ok(secondStart !== undefined && secondStart - firstStart >= 3000, `the second process polled ${secondStart! - firstStart} ms after the first: not before the 3 s floor`);
  assert.match(second.stderr, /waiting \d+ s: the endpoint's previous poll started less than its minimum interval ago/);
});

test('replacing an endpoint (a PATCH) keeps the floor and resyncs only when the listing changed', async () => {
  harness().setPlatform('patched', { instances: instances(3, 'on', 20) });
  const config = harness().config({ endpoints: ['patched'] });
  const bridge = await harness().bridge(config);
  await bridge.start();
  const eventsFor = async () => (await harness().dcm.messages()).filter((message) => message.event['dcmendpoint'] === 'patched');
  const waitForEvents = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while ((await eventsFor()).length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return eventsFor();
  };
  assert.equal((await waitForEvents(3)).length, 3, 'the first poll publishes the three instances');
  const startedBefore = await rememberedPollStart('patched');

  const endpoint = bridge.endpoints.get('patched')!;
  await bridge.endpoints.replace({ ...endpoint, intervalSeconds: 2 });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal((await eventsFor()).length, 3, 'an interval change lists the same instances: no resync');
  const startedAfter = await rememberedPollStart('patched');
  assert.ok(startedAfter !== undefined && startedBefore !== undefined && startedAfter > startedBefore, 'the replacement polls again');

  await bridge.endpoints.replace({ ...endpoint, intervalSeconds: 2, selector: { ...endpoint.selector, managedByValue: 'dcm-lab' } });
  const resynced = await waitForEvents(6);
  assert.equal(resynced.length, 6, 'a selector change is a new listing: DCM hears every state again');
  assert.ok(resynced.slice(3).every((message) => message.event['dcmresync'] === true));
});
