// The AWS SDK (about 100 MB of a bridge's memory) is loaded only when an EC2 endpoint first polls:
// a bridge without EC2 endpoints never loads it. Each check runs a real `node` with a loader hook
// (`--import`) that records every module it resolves, plus the CommonJS cache at exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const distRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sdkModule = /\/node_modules\/@aws-sdk\//;

/** Records resolved URLs in the file named by DCM_LOAD_LOG: in-thread hooks where Node has them (22.15+), else off-thread ones. */
const hookSource = `
import module, { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const log = process.env.DCM_LOAD_LOG;
if (typeof module.registerHooks === 'function') {
  module.registerHooks({ resolve(specifier, context, next) { const found = next(specifier, context); appendFileSync(log, found.url + '\\n'); return found; } });
} else {
  module.register('data:text/javascript,' + encodeURIComponent('import { appendFileSync } from "node:fs"; export async function resolve(s, c, n) { const found = await n(s, c); appendFileSync(' + JSON.stringify(log) + ', found.url + "\\\\n"); return found; }'));
}
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(log, Object.keys(require.cache).map((path) => 'cjs:' + path).join('\\n') + '\\n'));
`;

let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dcm-lazy-sdk-'));
  writeFileSync(join(dir, 'record-loads.mjs'), hookSource);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node --import record-loads.mjs <args>` and returns its exit code, output and the modules it loaded, in order. */
function runRecorded(args: readonly string[], name: string): Promise<{ code: number | null; stderr: string; stdout: string; loaded: string[] }> {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(dir, 'record-loads.mjs')).href, ...args], { env: { PATH: process.env['PATH'] ?? '', DCM_LOAD_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) }));
  });
}

describe('the AWS SDK is loaded only when an EC2 endpoint polls', () => {
  it('validate-config of a config without EC2 endpoints loads every adapter description but no adapter code, and not the SDK', async () => {
    const config = join(dir, 'openstack-only.yaml');
    writeFileSync(
      config,
      'provider: { name: lazy-test }\ncache: { url: "redis://127.0.0.1:1" }\npublisher: { kind: nats, url: "nats://127.0.0.1:2", jetstream: true }\nendpoints:\n  - name: lab\n    platform: openstack\n    url: https://keystone.example/v3\n    intervalSeconds: 30\n    credentials: { username: u, password: "${env:PATH}", userDomainName: Default, projectName: demo, projectDomainName: Default }\n',
    );
    const result = await runRecorded([join(distRoot, 'src', 'cli.js'), 'validate-config', '--config', config], 'validate');
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.loaded.some((url) => url.endsWith('/adapters/ec2/platform.js')), 'the EC2 description (schemas, checks) was loaded (the hook sees our modules)');
    assert.deepEqual(result.loaded.filter((url) => /\/adapters\/[a-z0-9]+\/adapter\.js$/.test(url)), [], 'no adapter code: nothing polls');
    assert.ok(result.loaded.some((url) => url.includes('/node_modules/')), 'the hook sees packages too');
    assert.deepEqual(result.loaded.filter((url) => sdkModule.test(url)), [], 'no @aws-sdk module');
  });

  it('an EC2 endpoint loads it on its first poll, not when it is validated or connected', async () => {
    const script = join(dir, 'ec2-poll.mjs');
    const lab = pathToFileURL(join(distRoot, 'test', 'support', 'ec2-lab.js')).href;
    const registry = pathToFileURL(join(distRoot, 'src', 'registry', 'index.js')).href;
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
const mark = (what) => appendFileSync(process.env.DCM_LOAD_LOG, 'MARK ' + what + '\\n');
const { builtinAdapters } = await import(${JSON.stringify(registry)});
const { startEc2Lab, connectEc2 } = await import(${JSON.stringify(lab)});
const ec2 = builtinAdapters().find((adapter) => adapter.platform === 'ec2');
const simulator = await startEc2Lab();
simulator.simulator.inventory.seedDcmInstances({ count: 3, tagged: 3 });
const { connection } = connectEc2(simulator.endpointInput(), ec2);
mark('connected');
let listed = 0;
for await (const page of connection.list(new AbortController().signal)) listed += page.length;
mark('listed ' + listed);
await connection.close();
await simulator.close();
`,
    );
    const result = await runRecorded([script], 'ec2-poll');
    assert.equal(result.code, 0, result.stderr);
    const connected = result.loaded.indexOf('MARK connected');
    const listed = result.loaded.findIndex((line) => line.startsWith('MARK listed'));
    assert.ok(connected > 0 && listed > connected, `both marks recorded: ${result.loaded.filter((line) => line.startsWith('MARK')).join(', ')}`);
    assert.equal(result.loaded[listed], 'MARK listed 3');
    assert.deepEqual(result.loaded.slice(0, connected).filter((url) => sdkModule.test(url)), [], 'nothing of the SDK before the first poll');
    assert.ok(result.loaded.slice(connected, listed).some((url) => /\/node_modules\/@aws-sdk\/client-ec2\//.test(url)), 'the first poll loaded @aws-sdk/client-ec2');
  });
});
