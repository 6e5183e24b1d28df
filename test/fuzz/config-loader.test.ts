import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { loadConfig, settingsSchema } from '../../src/config/index.js';
import { ErrorCode, isBridgeError, type ValidationIssue } from '../../src/errors/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter } from '../support/file-adapter.js';
import { configCaseArbitrary, declaredKeyNames, type ConfigCase } from './config-arbitraries.js';
import { configSeeds } from './config-seeds.js';
import { leakedSecrets } from './secrets.js';
import { fuzzSettings } from './settings.js';

const settings = fuzzSettings(process.env);
const adapterList = [...builtinAdapters(), createFileAdapter({ minimumIntervalSeconds: 10 })];
const adapters = createAdapterRegistry(adapterList);

/** What one load did: its outcome, how long it took, and everything it said. */
interface LoadOutcome {
  readonly valid: boolean;
  readonly elapsedMs: number;
  readonly output: string;
  readonly issues: readonly ValidationIssue[];
}

/** Loads a generated configuration in-process; anything thrown but a CONFIG_INVALID BridgeError is a crash and fails the property. */
function load(generated: ConfigCase): LoadOutcome {
  const started = performance.now();
  try {
    const loaded = loadConfig({ yaml: { text: generated.yaml, origin: 'fuzz.yaml' }, env: generated.env, adapters });
    return { valid: true, elapsedMs: performance.now() - started, output: loaded.warnings.join('\n'), issues: [] };
  } catch (error) {
    if (!isBridgeError(error, ErrorCode.ConfigInvalid)) throw new Error(`the loader crashed instead of reporting a configuration error: ${error instanceof Error ? error.stack : String(error)}`);
    const issues = (error.context['issues'] ?? []) as ValidationIssue[];
    return { valid: false, elapsedMs: performance.now() - started, output: `${error.message}\n${JSON.stringify(error.context)}`, issues };
  }
}

test(`config loader: ${settings.configRuns} generated configurations from seed ${settings.seed} load or are reported, within 2 s, without a secret`, (t) => {
  const seeds = configSeeds();
  const declared = declaredKeyNames([settingsSchema, ...adapterList.flatMap((adapter) => [adapter.configSchema.options, adapter.configSchema.credentials])], seeds);
  const figures = { cases: 0, valid: 0, invalid: 0, crashes: 0, maxMs: 0 };
  try {
    fc.assert(
      fc.property(configCaseArbitrary(seeds, declared), (generated) => {
        const outcome = load(generated);
        assert.ok(outcome.elapsedMs < 2000, `took ${Math.round(outcome.elapsedMs)} ms`);
        assert.deepEqual(leakedSecrets(outcome.output), [], `a planted secret in: ${outcome.output.slice(0, 2000)}`);
        if (!outcome.valid) {
          assert.ok(outcome.issues.length > 0, 'an invalid configuration names at least one problem');
          for (const issue of outcome.issues) {
            assert.ok(issue.path.trim() !== '' && !/[\r\n]/.test(issue.path), `a key path on one line: ${JSON.stringify(issue.path)}`);
            assert.ok(issue.message.trim() !== '', `a message for ${issue.path}`);
          }
        }
        figures.cases++;
        figures[outcome.valid ? 'valid' : 'invalid']++;
        figures.maxMs = Math.max(figures.maxMs, outcome.elapsedMs);
      }),
      { seed: settings.seed, numRuns: settings.configRuns },
    );
  } finally {
    seeds.dispose();
  }
  t.diagnostic(`config loader fuzz: cases ${figures.cases}, seed ${settings.seed}, valid ${figures.valid}, invalid ${figures.invalid}, crashes ${figures.crashes}, max latency ${figures.maxMs.toFixed(1)} ms`);
});
