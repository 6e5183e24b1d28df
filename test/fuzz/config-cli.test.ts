import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { settingsSchema } from '../../src/config/index.js';
import { builtinAdapters } from '../../src/registry/index.js';
import { bridgeCliScript, spawnNodeScript } from '../support/cli-process.js';
import { configCaseArbitrary, declaredKeyNames } from './config-arbitraries.js';
import { configSeeds } from './config-seeds.js';
import { leakedSecrets } from './secrets.js';
import { fuzzSettings } from './settings.js';

const settings = fuzzSettings(process.env);

/**
 * A process has to start (about a second here, more on a busy machine)
 * before it validates anything; the 2 s bound of the in-process suite is for
 * the validation itself. This bound only catches a process that hangs.
 */
const processLimitMs = 15_000;

/** What `validate-config` prints for an invalid configuration: a heading, then one problem per line. */
const invalidReport = /^dcm-poll-bridge: configuration \(.*\) is invalid \(\d+ problems?\):\n( {2}- [^\n]+\n?| {2}… and \d+ more\n?)+$/;

test(`validate-config CLI: ${settings.cliRuns} generated configurations from seed ${settings.seed} exit 0 or 2, never crash, never print a secret`, async (t) => {
  const seeds = configSeeds();
  const declared = declaredKeyNames([settingsSchema, ...builtinAdapters().flatMap((adapter) => [adapter.configSchema.options, adapter.configSchema.credentials])], seeds);
  const dir = mkdtempSync(join(tmpdir(), 'dcm-fuzz-cli-'));
  const figures = { cases: 0, valid: 0, invalid: 0, crashes: 0, maxMs: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(configCaseArbitrary(seeds, declared), async (generated) => {
        // An environment string over 128 KiB cannot reach a process at all (E2BIG); the in-process suite covers those.
        fc.pre(Object.values(generated.env).every((value) => value.length < 100_000));
        const file = join(dir, `case-${figures.cases}.yaml`);
        writeFileSync(file, generated.yaml);
        const started = performance.now();
        const child = spawnNodeScript(bridgeCliScript, ['validate-config', '--config', file], { env: generated.env });
        const timer = setTimeout(() => void child.dispose(), processLimitMs);
        const exit = await child.exited;
        clearTimeout(timer);
        const elapsedMs = performance.now() - started;
        const stdout = child.stdout();
        const stderr = child.stderr();
        assert.ok(elapsedMs < processLimitMs, `validate-config ran ${Math.round(elapsedMs)} ms`);
        assert.ok(exit.code === 0 || exit.code === 2, `exit ${exit.code ?? exit.signal}; stderr: ${stderr.slice(0, 3000)}`);
        assert.deepEqual(leakedSecrets(stdout + stderr), [], 'a planted secret in the output');
        assert.doesNotMatch(stderr, /YAMLWarning|\n\s+at .+:\d+:\d+/, 'no library warning or stack trace');
        if (exit.code === 0) assert.match(stdout, /: valid\n/);
        else assert.match(stderr.replace(/\n$/, ''), invalidReport);
        figures.cases++;
        figures[exit.code === 0 ? 'valid' : 'invalid']++;
        figures.maxMs = Math.max(figures.maxMs, elapsedMs);
      }),
      { seed: settings.seed, numRuns: settings.cliRuns },
    );
  } finally {
    seeds.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`validate-config CLI fuzz: cases ${figures.cases}, seed ${settings.seed}, exit 0: ${figures.valid}, exit 2: ${figures.invalid}, crashes ${figures.crashes}, max process time ${Math.round(figures.maxMs)} ms`);
});
