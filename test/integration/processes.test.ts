import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instances, writeConfig, useHarness } from '../support/harness.js';

const harness = useHarness();

test('restart: a second bridge process on the same Redis publishes nothing for unchanged instances', async () => {
  harness().setPlatform('restart', { instances: instances(4, 'on', 40) });
  const config = writeConfig(harness(), 'restart.yaml', harness().configYaml({ endpoints: ['restart'] }));

  const first = await harness().runProcess(['once', '--config', config]);
  assert.equal(first.code, 0, first.stderr);
  const afterFirst = await harness().dcm.messages();
  assert.equal(afterFirst.length, 4);

  const second = await harness().runProcess(['once', '--config', config]);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((await harness().dcm.messages()).length, 4, 'state survived the restart: nothing re-published');

  const resync = await harness().runProcess(['once', '--resync', '--config', config]);
  assert.equal(resync.code, 0, resync.stderr);
  const resynced = (await harness().dcm.messages()).slice(4);
  assert.equal(resynced.length, 4, 'a resync re-publishes every current state');
  assert.ok(resynced.every((message) => message.event['dcmresync'] === true));
  const firstIds = new Set(afterFirst.map((message) => message.event['id']));
  assert.ok(resynced.every((message) => !firstIds.has(message.event['id'])), 'with fresh ids, so the broker does not drop them');
});

test('once exits 0 when every endpoint succeeds and non-zero when one fails', async () => {
  harness().setPlatform('healthy', { instances: instances(1, 'on', 50) });
  harness().setPlatform('broken', { instances: instances(1, 'on', 60), failAfterPages: 0, failure: { message: 'HTTP 500 from the platform' } });
  const good = writeConfig(harness(), 'good.yaml', harness().configYaml({ endpoints: ['healthy'] }));
  const bad = writeConfig(harness(), 'bad.yaml', harness().configYaml({ endpoints: ['healthy', 'broken'] }));

  const ok = await harness().runProcess(['once', '--config', good]);
  assert.equal(ok.code, 0, ok.stderr);
  const failed = await harness().runProcess(['once', '--config', bad]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /endpoint broken failed: HTTP 500 from the platform/);
  const published = (await harness().dcm.messages()).filter((message) => message.event.data.id === 'inst-50');
  // Each config has its own cache namespace, so the second run starts from an empty cache (a new epoch) and tells DCM again.
  assert.equal(published.length, 2, 'the healthy endpoint was still polled and published beside the broken one');
});

test('validate-config exits 2 naming every bad key; secrets stay out of the output', async () => {
  const broken = writeConfig(harness(), 'broken.yaml', 'publisher:\n  kind: kafka\n  password: very-secret-nats-password\nendpoints:\n  - name: Bad_Name\n    platform: file\n    file: /tmp/x.json\n    intervalSeconds: 0\n');
  const result = await harness().runProcess(['validate-config', '--config', broken]);
  assert.equal(result.code, 2);
  for (const path of ['publisher.kind', 'endpoints[0].name', 'endpoints[0].intervalSeconds']) assert.ok(result.stderr.includes(path), `names ${path}: ${result.stderr}`);
  assert.ok(!result.stderr.includes('very-secret-nats-password') && !result.stdout.includes('very-secret-nats-password'));

  const missing = await harness().runProcess(['validate-config', '--config', '/nonexistent/bridge.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read \/nonexistent\/bridge\.yaml/);

  const good = writeConfig(harness(), 'valid.yaml', harness().configYaml({ endpoints: ['healthy'] }));
  const valid = await harness().runProcess(['validate-config', '--config', good]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stdout, /valid/);
  assert.match(valid.stdout, /healthy \(file, every 1 s\)/);
});

test('run: polls on its schedule, resyncs at start-up, and exits 0 on SIGTERM; no secret in its log', async () => {
  harness().setPlatform('runner', { instances: instances(3, 'on', 70) });
  const config = writeConfig(harness(), 'run.yaml', harness().configYaml({ endpoints: ['runner'] }));
  const result = await harness().runProcess(['run', '--config', config], { stopAfterMs: 3500 });
  assert.equal(result.code, 0, result.stderr);
  const logLines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(logLines.some((line) => line['msg'] === 'bridge started'));
  assert.ok(logLines.filter((line) => line['endpoint'] === 'runner' && String(line['msg']).startsWith('poll')).length >= 2, 'polled more than once in 3.5 s at a 1 s interval');
  assert.ok(logLines.some((line) => line['msg'] === 'bridge stopped'), 'clean shutdown');
  assert.ok(!result.stderr.includes('platform-token-secret-value'), 'the platform credential never appears in the log');
  const events = (await harness().dcm.messages()).filter((message) => String(message.event.data.id).startsWith('inst-7'));
  assert.equal(events.length, 3, 'start-up publishes each current state once; unchanged polls add nothing');
});

test('--help documents every command', async () => {
  for (const command of ['run', 'once', 'validate-config']) {
    const result = await harness().runProcess([command, '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`Usage: dcm-poll-bridge ${command}`));
  }
  const top = await harness().runProcess(['--help']);
  assert.match(top.stdout, /Commands:/);
  const unknown = await harness().runProcess(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});
