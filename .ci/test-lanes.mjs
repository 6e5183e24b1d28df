/* global process, console, setInterval, clearInterval */
/* eslint-disable no-console -- a report for a terminal */
// Runs the built test suite in two lanes at once, each lane one test file at a time, so the suite's waiting (servers
// starting, floors of 10 s, TTLs running out) overlaps with the other lane's work on a 2-core machine.
//
//   node .ci/test-lanes.mjs [dist]
//
// Lane "processes" holds the tests that spawn the built CLI or a fleet of bridges and judge them by the clock
// (test/process, test/chaos); lane "in-process" holds the rest. Files within a lane run one after another, so no two
// of the fleet and fault tests ever share the machine; each shares it with at most one in-process test file, which
// their slack allows for (measured: the whole suite in about half the serial time on 2 cores).
// Each lane's spec output goes to its own file and is printed whole when the lane ends; a line per minute tells the
// progress meanwhile. The exit code is non-zero when either lane failed.
//
// TEST_LANES=1 runs everything in one lane (the old serial order), for comparing or for a machine with one core.
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? 'dist';
const testRoot = join(root, 'test');
const processLaneFolders = ['process', 'chaos'].map((folder) => join(testRoot, folder) + '/');

function testFiles(folder) {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles(testRoot);
const oneLane = process.env.TEST_LANES === '1';
const inProcessLane = (file) => !processLaneFolders.some((folder) => file.startsWith(folder));
const lanes = oneLane
  ? [{ name: 'all', files }]
  : [
      { name: 'processes', files: files.filter((file) => !inProcessLane(file)) },
      { name: 'in-process', files: files.filter(inProcessLane) },
    ];

const logFolder = await mkdtemp(join(tmpdir(), 'dcm-test-lanes-'));
const startedAt = Date.now();

function runLane(lane) {
  lane.log = join(logFolder, `${lane.name}.log`);
  const output = createWriteStream(lane.log);
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...lane.files], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      output.end(() => resolve({ lane, code: code ?? 1, signal }));
    });
  });
}

function counts(text) {
  const figure = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { tests: figure('tests'), pass: figure('pass'), fail: figure('fail'), cancelled: figure('cancelled'), skipped: figure('skipped'), todo: figure('todo') };
}

function progress() {
  const minutes = Math.round((Date.now() - startedAt) / 60000);
  const parts = lanes.map((lane) => {
    let text = '';
    try {
      text = readFileSync(lane.log, 'utf8');
    } catch {
      // not written yet
    }
    const passed = (text.match(/^\s*✔/gmu) ?? []).length;
    const failed = (text.match(/^\s*✖/gmu) ?? []).length;
    return `${lane.name} ${passed} passed${failed ? `, ${failed} FAILED` : ''}`;
  });
  console.log(`[${minutes} min] ${parts.join('; ')}`);
}

console.log(`${files.length} test files in ${lanes.length} lane(s): ${lanes.map((lane) => `${lane.name} ${lane.files.length}`).join(', ')}`);
const ticker = setInterval(progress, 60_000);
const results = await Promise.all(lanes.map(runLane));
clearInterval(ticker);

const total = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
for (const { lane, code, signal } of results) {
  const text = readFileSync(lane.log, 'utf8');
  console.log(`\n===== lane ${lane.name}: ${lane.files.length} files, exit ${signal ?? code} =====`);
  process.stdout.write(text);
  for (const [key, value] of Object.entries(counts(text))) total[key] += value;
}
const seconds = Math.round((Date.now() - startedAt) / 1000);
console.log(`\n===== all lanes: tests ${total.tests}, pass ${total.pass}, fail ${total.fail}, cancelled ${total.cancelled}, skipped ${total.skipped}, todo ${total.todo}; ${seconds} s =====`);
console.log(`(lane logs: ${relative(process.cwd(), logFolder) || logFolder})`);
process.exitCode = results.some(({ code, signal }) => code !== 0 || signal) ? 1 : 0;
