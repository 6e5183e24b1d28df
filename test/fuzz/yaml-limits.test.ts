// Hostile YAML: alias bombs, aliases inside their own anchor, tags that build non-data objects,
// nesting, size, and syntax errors on a line holding a secret. Each used to crash the loader, hang
// it, pass silently or echo the line; each is now one problem, found quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { loadConfig, endpointsEnvironmentName } from '../../src/config/index.js';
import { BridgeError, ErrorCode, type ValidationIssue } from '../../src/errors/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../src/registry/index.js';

const adapters = createAdapterRegistry(builtinAdapters());

/** The issues of a configuration that must be refused, and how long the refusal took. */
function refusal(yaml: string, env: Record<string, string> = {}): { issues: ValidationIssue[]; elapsedMs: number } {
  const started = performance.now();
  try {
    loadConfig({ yaml: { text: yaml, origin: 'hostile.yaml' }, env, adapters });
  } catch (error) {
    assert.ok(error instanceof BridgeError && error.code === ErrorCode.ConfigInvalid, `a configuration error, not ${error instanceof Error ? error.stack : String(error)}`);
    return { issues: error.context['issues'] as ValidationIssue[], elapsedMs: performance.now() - started };
  }
  assert.fail('accepted');
}

/** Billion laughs: `width` aliases per level, `depth` levels: width^depth nodes once expanded. */
function aliasBomb(width: number, depth: number, indent = ''): string {
  const lines = [`${indent}l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
  for (let level = 1; level <= depth; level++) lines.push(`${indent}l${level}: &l${level} [${Array(width).fill(`*l${level - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

test('a billion-laughs alias bomb is refused in milliseconds, in the file and in DCM_BRIDGE_ENDPOINTS', () => {
  const inFile = refusal(`bomb:\n${aliasBomb(9, 9, '  ')}provider: { name: *l9 }\n`);
  assert.deepEqual(inFile.issues.map((issue) => issue.path), ['(yaml)']);
  assert.match(inFile.issues[0]?.message ?? '', /aliases expand too often/);
  assert.ok(inFile.elapsedMs < 2000, `${inFile.elapsedMs} ms`);
  const inEnvironment = refusal('', { [endpointsEnvironmentName]: `${aliasBomb(9, 9)}` });
  assert.match(inEnvironment.issues[0]?.message ?? '', /DCM_BRIDGE_ENDPOINTS is not valid JSON\/YAML: \(yaml\) aliases expand too often/);
});

test('an alias inside its own anchor (a cycle the yaml package builds as a circular object) is one problem, not a stack overflow', () => {
  const { issues } = refusal('provider: &p { name: *p }\n');
  assert.deepEqual(issues.map((issue) => [issue.path, issue.message]), [['provider.name', 'contains itself (a YAML alias used inside its own anchor)']]);
});

test('YAML tags that build sets, maps, bytes and dates are refused where they appear', () => {
  for (const [tagged, kind] of [['!!set { a, b }', 'Set'], ['!!omap [ { a: 1 } ]', 'Map'], ['!!binary aGVsbG8=', 'Buffer'], ['!!timestamp 2026-01-01', 'Date']] as const) {
    const { issues } = refusal(`provider: { name: ${tagged} }\n`);
    assert.deepEqual(issues.map((issue) => issue.path), ['provider.name'], tagged);
    assert.match(issues[0]?.message ?? '', new RegExp(`^is a ${kind} `));
  }
});

test('nesting deeper than 64 levels, more than 1 MiB and more than 20,000 lines are refused before anything walks them', () => {
  assert.match(refusal(`deep: ${'['.repeat(65)}${']'.repeat(65)}\n`).issues[0]?.message ?? '', /nests deeper than 64 levels/);
  const big = refusal(`provider: { name: "${'x'.repeat(2_000_000)}" }\n`);
  assert.match(big.issues[0]?.message ?? '', /at most 1048576/);
  assert.ok(big.elapsedMs < 2000, `${big.elapsedMs} ms`);
  // The shape the fuzzer found: a broken document with 100,000 mostly empty lines kept the yaml parser busy for 35 s.
  const brokenTall = `${'- '.repeat(99)}a: |\n${' '.repeat(200)}x${'\n'.repeat(50_000)}zz\n${'\n'.repeat(50_000)}`;
  const tall = refusal(brokenTall);
  assert.deepEqual(tall.issues.map((issue) => [issue.path, issue.message]), [['(yaml)', 'has 100003 lines; a configuration may have at most 20000']]);
  assert.ok(tall.elapsedMs < 2000, `${tall.elapsedMs} ms`);
});

test('a syntax error on a line holding a secret names the position, not the text', () => {
  const secret = 'S3cr3t-pasted-into-a-broken-line';
  const broken = [`endpoints:\n  - name: vc\n    credentials: { password: ${secret}\n`, `  password: "${secret}\\q"\n`, `cache:\n  url: redis://h\n  ${secret}\n    x: 1\n`, `\`${secret}\n`];
  for (const yaml of broken) {
    const { issues } = refusal(yaml);
    assert.ok(issues.length > 0 && issues.every((issue) => issue.path.startsWith('(yaml')), JSON.stringify(issues));
    assert.doesNotMatch(JSON.stringify(issues), /S3cr3t/, yaml);
  }
});

test('a validation error lists at most 100 problems, each cut to 1,000 characters, and says how many more there are', () => {
  const messageOf = (yaml: string): string => {
    try {
      loadConfig({ yaml: { text: yaml, origin: 'many.yaml' }, env: {}, adapters });
    } catch (error) {
      assert.ok(error instanceof BridgeError && error.code === ErrorCode.ConfigInvalid, String(error));
      assert.ok((error.context['issues'] as ValidationIssue[]).length <= 100);
      return error.message;
    }
    assert.fail('accepted');
  };
  const many = messageOf(Array.from({ length: 150 }, (_, index) => `typo${index}: 1`).join('\n')).split('\n');
  assert.equal(many[0], 'configuration (many.yaml) is invalid (150 problems):');
  assert.equal(many.filter((line) => line.startsWith('  - ')).length, 100);
  assert.equal(many.at(-1), '  … and 50 more');
  // The DNS-label message quotes the value it refuses: a 50,000-character name is cut, with a note.
  const long = messageOf(`provider: { name: "${'Q'.repeat(50_000)}" }\n`).split('\n')[1] ?? '';
  assert.ok(long.startsWith('  - provider.name: ') && long.length < 1_100 && /…\[cut \d+ characters\]$/.test(long), long.slice(0, 200));
});
