// Configurations whose shape does not fit the schema: each used to crash the loader inside convict
// (TypeError, SyntaxError from JSON.parse) or to pass silently; each is now a problem named by its key path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, settingsSchema, type BridgeConfig } from '../../src/config/index.js';
import { BridgeError, ErrorCode, type ValidationIssue } from '../../src/errors/index.js';
import { builtinAdapters, createAdapterRegistry } from '../../src/registry/index.js';
import { createFileAdapter } from '../support/file-adapter.js';

const adapters = createAdapterRegistry([...builtinAdapters(), createFileAdapter({ minimumIntervalSeconds: 10 })]);
const vsphere = (extra: string, credentials = '    credentials: { username: svc, password: pw }\n'): string => `endpoints:\n  - name: vc\n    platform: vsphere\n    url: https://vc.example\n${credentials}${extra}`;

function load(yaml: string): BridgeConfig {
  return loadConfig({ yaml: { text: yaml, origin: 'shape.yaml' }, env: {}, adapters }).config;
}

/** The issues of a configuration that must be invalid; anything but CONFIG_INVALID (a crash) fails. */
function issuesOf(yaml: string): ValidationIssue[] {
  try {
    load(yaml);
  } catch (error) {
    assert.ok(error instanceof BridgeError && error.code === ErrorCode.ConfigInvalid, `a configuration error, not ${error instanceof Error ? error.stack : String(error)}`);
    return error.context['issues'] as ValidationIssue[];
  }
  assert.fail(`accepted:\n${yaml}`);
}

/** The paths of the schema's groups of keys (`cache`, `cache.tls`, …). */
function groupPaths(schema: object, prefix = ''): string[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return node !== null && typeof node === 'object' && !('default' in node) ? [path, ...groupPaths(node as object, path)] : [];
  });
}

/** YAML setting `path` (dotted) to an empty value. */
function emptyAt(path: string): string {
  return path.split('.').map((key, depth) => `${'  '.repeat(depth)}${key}:`).join('\n') + '\n';
}

function subtree(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
}

test('every group of settings left empty (YAML null, an indentation slip) loads with its defaults', () => {
  const defaults = load('');
  const groups = groupPaths(settingsSchema);
  assert.ok(groups.includes('provider') && groups.includes('cache') && groups.includes('dcm'), groups.join(', '));
  for (const group of groups) assert.deepEqual(subtree(load(emptyAt(group)), group), subtree(defaults, group), group);
});

test('an endpoint whose selector, tls or stateOverrides is left empty gets their defaults; empty credentials name each missing key', () => {
  const endpoint = load(vsphere('    selector:\n    tls:\n    stateOverrides:\n')).endpoints[0];
  assert.deepEqual(endpoint?.selector, { managedByKey: 'managed-by', managedByValue: 'dcm', instanceIdKey: 'dcm-instance-id' });
  assert.deepEqual(endpoint?.tls, { caFile: undefined, insecureSkipVerify: false });
  assert.deepEqual(endpoint?.stateOverrides, {});
  // The issue's report: `credentials:` and `tls:` left empty crashed validate-config with exit 70.
  const issues = issuesOf(vsphere('    tls:\n', '    credentials:\n'));
  assert.deepEqual(issues.map((issue) => `${issue.path}: ${issue.message}`).sort(), ['endpoints[0].credentials.password: is required', 'endpoints[0].credentials.username: is required']);
  assert.deepEqual(issuesOf('endpoints:\n  -\n').map((issue) => issue.path), ['endpoints[0]']);
});

test('a group given a value that is not a map is named with the type it got, never the value', () => {
  const issues = issuesOf(vsphere('    tls: strict\n', '    credentials: hunter2-secret\n'));
  assert.deepEqual(issues.map((issue) => issue.path).sort(), ['endpoints[0].credentials', 'endpoints[0].tls']);
  for (const issue of issues) assert.match(issue.message, /^must be a map of keys \(.+\), not a string$/);
  assert.deepEqual(issuesOf('cache: [redis://a]\n').map((issue) => [issue.path, issue.message]), [['cache', 'must be a map of keys (url, namespace, username, password, tls), not a list']]);
});

test('a single value given a map two levels deep is a problem at its key path (convict walked it as keys and threw)', () => {
  const deep = '{ a: { b: 1 } }';
  const cases: ReadonlyArray<readonly [yaml: string, path: string]> = [
    [`cache: { url: ${deep} }\n`, 'cache.url'],
    [`publisher: { kind: ${deep} }\n`, 'publisher.kind'],
    [`scheduler: { jitterRatio: ${deep} }\n`, 'scheduler.jitterRatio'],
    [`api: { allowedTargets: ${deep} }\n`, 'api.allowedTargets'],
    [vsphere(`    selector: { managedByKey: ${deep} }\n`), 'endpoints[0].selector.managedByKey'],
    [vsphere(`    tls: { caFile: ${deep} }\n`), 'endpoints[0].tls.caFile'],
    [vsphere(`    stateOverrides: { poweredOn: ${deep} }\n`), 'endpoints[0].stateOverrides'],
    [vsphere(`    apiFlavor: ${deep}\n`), 'endpoints[0].apiFlavor'],
    [vsphere('', `    credentials: { username: svc, password: { value: { secret: hunter2-secret } } }\n`), 'endpoints[0].credentials.password'],
    ['endpoints:\n  - { name: lab, platform: file, file: { a: { b: 1 } } }\n', 'endpoints[0].file'],
  ];
  for (const [yaml, path] of cases) {
    const issues = issuesOf(yaml);
    assert.deepEqual(issues.map((issue) => issue.path), [path], yaml);
    assert.doesNotMatch(issues[0]?.message ?? '', /hunter2/);
  }
  assert.match(issuesOf('endpoints:\n  - { name: lab, platform: file, file: { a: 1 } }\n')[0]?.message ?? '', /must be of type String, not a map/);
});

test('a string where a map or list belongs is a problem, not a JSON.parse of it', () => {
  assert.deepEqual(issuesOf(vsphere('    stateOverrides: "{not json"\n')).map((issue) => [issue.path, issue.message]), [['endpoints[0].stateOverrides', 'must be a map of keys to values']]);
  assert.deepEqual(issuesOf('api: { allowedTargets: "[10.0.0.0/8" }\n').map((issue) => issue.path), ['api.allowedTargets']);
  // A string that happens to be JSON stays a string: no silent conversion into a map.
  assert.deepEqual(issuesOf(vsphere(`    stateOverrides: '{"poweredOn": "RUNNING"}'\n`)).map((issue) => issue.path), ['endpoints[0].stateOverrides']);
});

test('keys convict would skip or mangle are unknown keys, quoted in the path: __proto__, constructor, dotted and empty keys', () => {
  const cases: ReadonlyArray<readonly [yaml: string, path: string]> = [
    ['__proto__: { polluted: true }\n', '__proto__'],
    ['constructor: { prototype: { polluted: true } }\n', 'constructor'],
    ['"cache.url": redis://elsewhere:6379\n', '["cache.url"]'],
    ['cache: { "a.b": { c: 1 } }\n', 'cache["a.b"]'],
    ['cache: { "": 1 }\n', 'cache[""]'],
    ['"multi\\nline": 1\n', '["multi\\nline"]'],
    [vsphere('    __proto__: { polluted: true }\n'), 'endpoints[0].__proto__'],
    [vsphere('    "selector.managedByKey": owner\n'), 'endpoints[0]["selector.managedByKey"]'],
  ];
  for (const [yaml, path] of cases) assert.deepEqual(issuesOf(yaml).map((issue) => [issue.path, issue.message]), [[path, 'unknown key (check its spelling and nesting)']], yaml);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('state overrides keep raw states with dots in them', () => {
  assert.deepEqual(load(vsphere('    stateOverrides: { "guest.shutdown": STOPPED, poweredOn: RUNNING }\n')).endpoints[0]?.stateOverrides, { 'guest.shutdown': 'STOPPED', poweredOn: 'RUNNING' });
});
