// Issue #12, start-up: a bridge imports the code of only the adapters its endpoints name, and `once` ends as soon as
// its work is done. Each process runs the built CLI under a loader hook (`--import`, through NODE_OPTIONS) that
// records every module it resolves, and the CommonJS cache at exit; the modules a process loaded are what it costs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CREDENTIALS as EC2_CREDENTIALS } from '../simulators/ec2/index.js';
import { DEFAULT_CREDENTIALS } from '../simulators/openstack/index.js';
import { DEFAULT_CREDENTIALS as VSPHERE_CREDENTIALS } from '../simulators/vsphere/index.js';
import { bridgeCliScript, bridgeConfigYaml, openstackEndpointYaml, spawnNodeScript, startBridgeRun, startSimulatorProcess } from '../support/cli-process.js';
import { useHarness, writeConfig } from '../support/harness.js';

const harness = useHarness();
const writeToken = 'start-up-test-write-token-0123456789';

/** Appends each resolved URL to $DCM_LOAD_LOG (in-thread hooks, Node 22.15+), and the CommonJS cache at exit. */
const hookSource = `
import module, { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.DCM_LOAD_LOG;
module.registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); appendFileSync(log, found.url + '\\n'); return found; } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(log, Object.keys(require.cache).map((path) => 'cjs:' + path).join('\\n') + '\\n'));
`;

/** The environment that makes a child record its module loads into `log`. */
function recordingEnv(dir: string, log: string): Record<string, string> {
  const hook = join(dir, 'record-loads.mjs');
  writeFileSync(hook, hookSource);
  writeFileSync(log, '');
  return { NODE_OPTIONS: `--import=${pathToFileURL(hook).href}`, DCM_LOAD_LOG: log };
}

const loadedFrom = (log: string): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

/** What each platform's code brings: its adapter module, and the packages only adapters use. */
const adapterModule = (platform: string): RegExp => new RegExp(`/adapters/${platform}/adapter\\.js$`);
const undici = /\/node_modules\/undici\//;
const awsSdk = /\/node_modules\/@aws-sdk\//;

/**
 * Runs `once` to its end and checks it ended by itself, exit 0, within a generous liveness bound of its
 * "bridge stopped": a timer or socket left open (a 5 s connection timer, a broker still dialled) shows as seconds.
 */
async function runOnceToItsEnd(t: TestContext, config: string, env: Record<string, string>): Promise<void> {
  const once = spawnNodeScript(bridgeCliScript, ['once', '--config', config], { env });
  t.after(() => once.dispose());
  await once.waitForLine('stderr', /"msg":"bridge stopped"/, 30_000);
  const stoppedAt = performance.now();
  const exit = await once.exited;
  const lingeredMs = performance.now() - stoppedAt;
  assert.deepEqual([exit.code, exit.signal], [0, null], once.stderr());
  assert.ok(lingeredMs < 3000, `the process lived on ${Math.round(lingeredMs)} ms after "bridge stopped"`);
  assert.ok(!once.stderr().includes('still busy'), 'it ended by itself; the exit safety net did not fire');
}

test('run with zero endpoints loads no adapter code, and refuses a registration of an unknown platform by name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-start-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'run.log');
  const config = writeConfig(harness(), 'zero.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, api: `writeToken: "\${env:API_WRITE_TOKEN}"` }));
  const bridge = await startBridgeRun(config, { env: { ...recordingEnv(dir, log), API_WRITE_TOKEN: writeToken } });
  t.after(() => bridge.dispose());

  const refused = await fetch(`${bridge.apiUrl}/api/v1alpha1/endpoints?id=mainframe`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ platform: 'zvm', url: 'https://zvm.example', credentials: { username: 'u', password: 'p' } }),
  });
  assert.equal(refused.status, 400);
  const problem = (await refused.json()) as { detail: string };
  assert.match(problem.detail, /platform.*unknown platform "zvm"; known: ec2, openstack, vsphere/, 'the error names the bad value and the platforms known');

  const exit = await bridge.stop('SIGTERM');
  assert.deepEqual([exit.code, exit.signal], [0, null], bridge.stderr());
  const loaded = loadedFrom(log);
  for (const platform of ['vsphere', 'openstack', 'ec2']) {
    assert.ok(loaded.some((url) => url.endsWith(`/adapters/${platform}/platform.js`)), `the ${platform} description (schemas, checks) was loaded: the hook sees our modules`);
    assert.deepEqual(loaded.filter((url) => adapterModule(platform).test(url)), [], `no ${platform} adapter code`);
  }
  assert.ok(loaded.some((url) => url.includes('/node_modules/fastify/')), 'the hook sees packages, the API server among them');
  assert.deepEqual(loaded.filter((url) => undici.test(url) || awsSdk.test(url)), [], 'neither undici nor the AWS SDK');
});

test('once with one OpenStack endpoint loads the OpenStack adapter only, and exits within moments of "bridge stopped"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-start-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const openstack = await startSimulatorProcess('openstack', ['--servers', '4', '--tagged', '2']);
  t.after(() => openstack.dispose());
  const log = join(dir, 'once.log');
  const config = writeConfig(harness(), 'openstack.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints: openstackEndpointYaml('nova-lab', openstack.url, DEFAULT_CREDENTIALS) }));

  const publishedBefore = (await harness().dcm.messages()).length;
  await runOnceToItsEnd(t, config, { ...recordingEnv(dir, log), OS_PASSWORD: DEFAULT_CREDENTIALS.password });
  assert.equal((await harness().dcm.messages()).length - publishedBefore, 2, 'the poll happened: one event per managed server');

  const loaded = loadedFrom(log);
  assert.ok(loaded.some((url) => adapterModule('openstack').test(url)), 'the OpenStack adapter was loaded to poll');
  assert.ok(loaded.some((url) => undici.test(url)), 'with its HTTP client');
  for (const platform of ['vsphere', 'ec2']) assert.deepEqual(loaded.filter((url) => adapterModule(platform).test(url)), [], `no ${platform} adapter code`);
  assert.deepEqual(loaded.filter((url) => awsSdk.test(url)), [], 'no AWS SDK');
});

test('once with an endpoint of every platform loads the three adapters and still exits within moments of "bridge stopped"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-start-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [openstack, vsphere, ec2] = await Promise.all([
    startSimulatorProcess('openstack', ['--servers', '2', '--tagged', '1']),
    startSimulatorProcess('vsphere', ['--vms', '2', '--tagged', '1']),
    startSimulatorProcess('ec2', ['--instances', '2', '--tagged', '1']),
  ]);
  t.after(() => Promise.all([openstack.dispose(), vsphere.dispose(), ec2.dispose()]));
  const endpoints = `${openstackEndpointYaml('nova-lab', openstack.url, DEFAULT_CREDENTIALS)}  - name: vc-lab
    platform: vsphere
    url: ${vsphere.url}
    intervalSeconds: 10
    credentials: { username: "${VSPHERE_CREDENTIALS.username}", password: "\${env:VC_PASSWORD}" }
  - name: aws-lab
    platform: ec2
    url: ${ec2.url}
    region: us-east-1
    intervalSeconds: 10
    credentials: { accessKeyId: "\${env:AWS_KEY_ID}", secretAccessKey: "\${env:AWS_SECRET}" }
`;
  const log = join(dir, 'every.log');
  const config = writeConfig(harness(), 'every-platform.yaml', bridgeConfigYaml({ cacheUrl: harness().redis.url, natsUrl: harness().nats.url, endpoints }));
  const env = { ...recordingEnv(dir, log), OS_PASSWORD: DEFAULT_CREDENTIALS.password, VC_PASSWORD: VSPHERE_CREDENTIALS.password, AWS_KEY_ID: EC2_CREDENTIALS.accessKeyId, AWS_SECRET: EC2_CREDENTIALS.secretAccessKey };

  const publishedBefore = (await harness().dcm.messages()).length;
  // The AWS SDK's sockets, the vCenter session's logout and Keystone's token must all end with the bridge.
  await runOnceToItsEnd(t, config, env);
  const events = (await harness().dcm.messages()).slice(publishedBefore);
  assert.deepEqual(events.map((message) => message.event['dcmendpoint']).sort(), ['aws-lab', 'nova-lab', 'vc-lab'], 'every endpoint was polled: one event per managed VM');
  const loaded = loadedFrom(log);
  for (const platform of ['vsphere', 'openstack', 'ec2']) assert.ok(loaded.some((url) => adapterModule(platform).test(url)), `the ${platform} adapter was loaded to poll`);
  assert.ok(loaded.some((url) => awsSdk.test(url)), 'and the AWS SDK for EC2');
});

test('--version prints the version and the commit built in, and --help the usage, loading neither adapter, configuration nor bridge', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-start-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // What the build recorded (npm run build writes it; a bare tsc build has none): read here as the file, not through the CLI's code.
  const outDir = join(dirname(bridgeCliScript), '..');
  const recorded = existsSync(join(outDir, 'build-info.json')) ? (JSON.parse(readFileSync(join(outDir, 'build-info.json'), 'utf8')) as { version: string; commit?: string }) : undefined;
  const { version } = JSON.parse(readFileSync(join(outDir, '..', 'package.json'), 'utf8')) as { version: string };
  const expected = recorded?.commit ? `${version} (commit ${recorded.commit})` : version;

  for (const [args, output] of [
    [['--version'], new RegExp(`^${expected.replace(/[.()]/g, '\\$&')}\\n$`)],
    [['run', '--help'], /^Usage: dcm-poll-bridge run \[--config FILE\]/],
  ] as const) {
    const log = join(dir, `${args.join('')}.log`);
    const command = spawnNodeScript(bridgeCliScript, args, { env: recordingEnv(dir, log) });
    t.after(() => command.dispose());
    const exit = await command.exited;
    assert.deepEqual([exit.code, exit.signal], [0, null], command.stderr());
    assert.match(command.stdout(), output);
    const ours = loadedFrom(log).filter((url) => url.startsWith('file:') && !url.includes('/node_modules/') && !url.endsWith('record-loads.mjs'));
    assert.ok(ours.some((url) => url.endsWith('/src/main.js')), `the hook saw the CLI's modules: ${ours.join(', ')}`);
    const heavy = ours.filter((url) => /\/adapters\/|\/src\/(bridge|config|registry|api|publisher|cache|logger|scheduler)\//.test(url));
    assert.deepEqual(heavy, [], `${args.join(' ')} loaded no adapter, configuration or bridge module`);
    assert.deepEqual(loadedFrom(log).filter((url) => url.includes('/node_modules/')), [], `${args.join(' ')} loaded no package`);
  }
  if (recorded?.commit) assert.match(recorded.commit, /^[0-9a-f]{40}$/, 'a build from a git checkout records the whole commit id');
});
