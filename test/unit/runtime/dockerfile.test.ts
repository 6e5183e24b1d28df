import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

// Static checks of the image the Dockerfile builds (no docker here): what it contains, how it runs, how it reports
// itself, and that its HEALTHCHECK command works, run with this Node against a local HTTP server.
// Compiled to <outDir>/test/unit/runtime/: the repository root is four levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const read = (path: string): string => readFileSync(join(repositoryRoot, path), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's stages, each its instructions in order, comments dropped and `\` continuations joined. */
function dockerStages(dockerfile: string): Instruction[][] {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const stages: Instruction[][] = [[]];
  for (const line of lines) {
    const [, keyword, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!keyword) continue;
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)!.push({ keyword: keyword.toUpperCase(), args: args ?? '' });
  }
  return stages.slice(1);
}

const dockerfile = read('Dockerfile');
const stages = dockerStages(dockerfile);
const runtimeStage = stages.at(-1)!;
const buildStage = stages.find((stage) => /\bAS build$/i.test(stage[0]!.args))!;
const manifest = JSON.parse(read('package.json')) as { version: string; license: string };
const all = (stage: readonly Instruction[], keyword: string): string[] => stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
const one = (stage: readonly Instruction[], keyword: string): string => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `one ${keyword} in the stage, found ${found.length}`);
  return found[0]!;
};

/** `KEY=value` pairs of LABEL/ENV/ARG arguments, quotes removed. */
function pairs(args: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [, key, quoted, bare] of args.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) found.set(key!, quoted ?? bare ?? '');
  return found;
}

test('the runtime image holds the compiled bridge, its production dependencies, config and API document, and no tests, benchmarks or demo', () => {
  const copies = all(runtimeStage, 'COPY');
  for (const copy of copies) assert.doesNotMatch(copy, /\b(test|bench|demo)\b/, `runtime COPY ${copy}`);
  for (const copy of all(buildStage, 'COPY')) assert.doesNotMatch(copy, /\b(test|bench|demo)\b/, `build COPY ${copy}: the build stage compiles only shipped code`);
  assert.ok(copies.includes('--from=build /app/dist/src ./dist/src'));
  assert.ok(copies.includes('--from=build /app/dist/adapters ./dist/adapters'));
  assert.ok(copies.includes('--from=dependencies /app/node_modules ./node_modules'), 'production dependencies only (npm ci --omit=dev)');
  assert.match(one(stages.find((stage) => /\bAS dependencies$/i.test(stage[0]!.args))!, 'RUN'), /npm ci --omit=dev/);
  // The build context itself leaves them out, so no later COPY can bring them in by accident.
  const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
  for (const path of ['test', 'bench', 'demo', 'deploy', 'dist', 'dist-*', 'node_modules', '.git']) assert.ok(ignored.includes(path), `.dockerignore lists ${path}`);
});

test('the build stage records the commit: ARG REVISION reaches npm run build as DCM_BRIDGE_BUILD_COMMIT, and the runtime copies dist/build-info.json', () => {
  const buildRuns = all(buildStage, 'RUN');
  assert.ok(buildRuns.includes('npm run build'), `build stage runs npm run build (which writes dist/build-info.json): ${buildRuns.join(' | ')}`);
  const argIndex = buildStage.findIndex((instruction) => instruction.keyword === 'ARG' && /^REVISION(=|$)/.test(instruction.args));
  const envIndex = buildStage.findIndex((instruction) => instruction.keyword === 'ENV' && pairs(instruction.args).get('DCM_BRIDGE_BUILD_COMMIT') === '${REVISION}');
  const buildIndex = buildStage.findIndex((instruction) => instruction.keyword === 'RUN' && instruction.args === 'npm run build');
  assert.ok(argIndex >= 0 && envIndex > argIndex && buildIndex > envIndex, 'ARG REVISION, then ENV DCM_BRIDGE_BUILD_COMMIT=${REVISION}, then npm run build');
  // An empty default records no commit; "unknown" or the like would fail the build step (it accepts hex ids only).
  assert.equal(pairs(buildStage[argIndex]!.args).get('REVISION') ?? '', '');
  assert.ok(all(runtimeStage, 'COPY').includes('--from=build /app/dist/build-info.json ./dist/build-info.json'));
  assert.match(read('package.json'), /"build": "[^"]*record-cli\.js"/, 'npm run build writes the record the runtime copies');
});

test('OCI labels: title, description, licenses from package.json, and version, revision, created from build arguments', () => {
  const labels = new Map(all(runtimeStage, 'LABEL').flatMap((args) => [...pairs(args)]));
  const args = new Map(all(runtimeStage, 'ARG').flatMap((value) => [...pairs(value.includes('=') ? value : `${value}=`)]));
  assert.equal(labels.get('org.opencontainers.image.title'), 'dcm-poll-bridge');
  assert.ok((labels.get('org.opencontainers.image.description') ?? '').length > 20);
  assert.equal(labels.get('org.opencontainers.image.licenses'), manifest.license);
  for (const [label, arg] of [['version', 'VERSION'], ['revision', 'REVISION'], ['created', 'CREATED']] as const) {
    assert.equal(labels.get(`org.opencontainers.image.${label}`), `\${${arg}}`, `label ${label} is the build argument ${arg}`);
    assert.ok(args.has(arg), `ARG ${arg} is declared in the runtime stage (build arguments do not cross stages)`);
  }
  assert.equal(args.get('VERSION'), manifest.version, 'the VERSION default follows package.json');
  const chart = parseYaml(read('deploy/helm/dcm-poll-bridge/Chart.yaml')) as { appVersion: string };
  assert.equal(chart.appVersion, manifest.version, 'the Helm chart deploys this version by default');
});

test('the image runs unprivileged by number, with source maps, as `run`; the port it exposes is the chart\'s and the default config\'s', () => {
  const user = one(runtimeStage, 'USER');
  const [uid, gid] = user.split(':').map(Number);
  assert.ok(Number.isInteger(uid) && uid! > 0, `USER ${user} is a numeric non-root uid (runAsNonRoot can verify it)`);
  const chartValues = parseYaml(read('deploy/helm/dcm-poll-bridge/values.yaml')) as { podSecurityContext: { runAsUser: number; runAsGroup: number }; service: { containerPort: number } };
  assert.equal(chartValues.podSecurityContext.runAsUser, uid);
  assert.equal(chartValues.podSecurityContext.runAsGroup, gid);
  const lastUser = runtimeStage.findLastIndex((instruction) => instruction.keyword === 'USER');
  assert.ok(lastUser < runtimeStage.findIndex((instruction) => instruction.keyword === 'ENTRYPOINT'), 'USER before ENTRYPOINT');

  assert.deepEqual(JSON.parse(one(runtimeStage, 'ENTRYPOINT')), ['node', '--enable-source-maps', 'dist/src/cli.js']);
  assert.deepEqual(JSON.parse(one(runtimeStage, 'CMD')), ['run']);
  const exposed = Number(one(runtimeStage, 'EXPOSE'));
  assert.equal(chartValues.service.containerPort, exposed);
  const defaultConfig = parseYaml(read('config/default.yaml')) as { api: { listen: string } };
  assert.equal(Number(defaultConfig.api.listen.split(':').at(-1)), exposed);
  assert.equal(pairs(all(runtimeStage, 'ENV').join(' ')).get('DCM_BRIDGE_HEALTHCHECK_PORT'), String(exposed));
});

/** The HEALTHCHECK's options and its exec-form command. */
function healthcheck(): { options: Map<string, string>; command: string[] } {
  const args = one(runtimeStage, 'HEALTHCHECK');
  const [, optionText, commandJson] = /^((?:--[\w-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(args) ?? [];
  assert.ok(commandJson, `HEALTHCHECK [options] CMD ["exec", "form"]: ${args}`);
  const options = new Map([...(optionText ?? '').matchAll(/--([\w-]+)=(\S+)/g)].map(([, key, value]) => [key!, value!]));
  return { options, command: JSON.parse(commandJson) as string[] };
}

test('HEALTHCHECK: interval, timeout and a start period, run by node (the slim image has no curl)', () => {
  const { options, command } = healthcheck();
  assert.ok(options.has('start-period'), 'a start period covers start-up (Redis, NATS)');
  assert.ok(options.has('interval') && options.has('timeout'));
  assert.deepEqual(command.slice(0, 2), ['node', '-e']);
});

/** Runs the HEALTHCHECK's node command with `env`, as the container would; resolves to its exit code. */
function runHealthcheck(env: Record<string, string>): Promise<number | null> {
  const script = healthcheck().command[2]!;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', resolve);
  });
}

async function listen(status: number): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(request.url === '/healthz' ? status : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

test('the HEALTHCHECK command asks /healthz on the configured port: 0 when it answers 200, 1 on 503 or when nothing listens', async () => {
  const healthy = await listen(200);
  const failing = await listen(503);
  try {
    assert.equal(await runHealthcheck({ DCM_BRIDGE_HEALTHCHECK_PORT: String(healthy.port) }), 0, 'DCM_BRIDGE_HEALTHCHECK_PORT names the port');
    assert.equal(await runHealthcheck({ DCM_BRIDGE_API_LISTEN: `0.0.0.0:${healthy.port}`, DCM_BRIDGE_HEALTHCHECK_PORT: '1' }), 0, 'api.listen from the environment wins, as it does for the bridge');
    assert.equal(await runHealthcheck({ DCM_BRIDGE_API_LISTEN: `:${healthy.port}` }), 0, 'the ":port" form');
    assert.equal(await runHealthcheck({ DCM_BRIDGE_API_LISTEN: `127.0.0.1:${healthy.port}` }), 0);
    assert.deepEqual(new Set(healthy.paths), new Set(['/healthz']));
    assert.equal(await runHealthcheck({ DCM_BRIDGE_HEALTHCHECK_PORT: String(failing.port) }), 1, '503 is unhealthy');
  } finally {
    healthy.server.close();
    failing.server.close();
  }
  // Both servers are closed: nothing listens on the port now.
  assert.equal(await runHealthcheck({ DCM_BRIDGE_HEALTHCHECK_PORT: String(healthy.port) }), 1, 'connection refused is unhealthy');
});
