// Issue #10: `validate-config` crashed (exit 70, a stack trace) on `credentials:` or `tls:` left
// empty, inside convict's overlay. The built CLI, run as an operator runs it, on that and on the
// other inputs the fuzzer found crashing or hanging the loader: exit 2, one line per problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeCliScript, spawnNodeScript } from '../support/cli-process.js';

const secret = 'S3cr3t-in-a-tagged-line';

interface BadShape {
  readonly name: string;
  readonly yaml: string;
  /** Each `path: message` line validate-config must print. */
  readonly lines: readonly string[];
}

const endpoint = (body: string): string => `endpoints:\n  - name: vc\n    platform: vsphere\n    url: https://vc.example\n${body}`;

const badShapes: readonly BadShape[] = [
  { name: 'credentials and tls left empty', yaml: endpoint('    credentials:\n    tls:\n'), lines: ['  - endpoints[0].credentials.username: is required', '  - endpoints[0].credentials.password: is required'] },
  { name: 'a map two levels deep under a single value', yaml: endpoint('    credentials: { username: svc, password: pw }\n    selector: { managedByKey: { a: { b: 1 } } }\n'), lines: ['  - endpoints[0].selector.managedByKey: must be a string, not a map'] },
  { name: 'a string where the state overrides map belongs', yaml: endpoint('    credentials: { username: svc, password: pw }\n    stateOverrides: "{"\n'), lines: ['  - endpoints[0].stateOverrides: must be a map of keys to values'] },
  { name: 'a billion-laughs alias bomb', yaml: `x:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nprovider: { name: *d }\n`, lines: ['  - (yaml): aliases expand too often'] },
  { name: 'an alias inside its own anchor', yaml: 'provider: &p { name: *p }\n', lines: ['  - provider.name: contains itself'] },
];

test('validate-config exits 2 with one key-path line per problem, no stack trace, for every bad shape the fuzzer found', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-shapes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [index, bad] of badShapes.entries()) {
    const file = join(dir, `case-${index}.yaml`);
    writeFileSync(file, bad.yaml);
    const child = spawnNodeScript(bridgeCliScript, ['validate-config', '--config', file]);
    const exit = await child.exited;
    const stderr = child.stderr();
    assert.equal(exit.code, 2, `${bad.name}: exit 2\n${stderr}`);
    assert.match(stderr, /^dcm-poll-bridge: configuration \(.+\) is invalid \(\d+ problems?\):\n/, bad.name);
    assert.doesNotMatch(stderr, /\n\s+at /, `${bad.name}: no stack trace`);
    for (const line of bad.lines) assert.ok(stderr.split('\n').some((printed) => printed.startsWith(line)), `${bad.name}: prints ${line}\n${stderr}`);
  }
});

test('an unresolved YAML tag is not printed as a library warning with its source line (a secret may sit there)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-tags-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tagged.yaml');
  // The yaml package warns about `!!seq` on a scalar through process.emitWarning, quoting the line.
  writeFileSync(file, endpoint(`    credentials: { username: svc, password: !!seq ${secret} }\n`));
  const child = spawnNodeScript(bridgeCliScript, ['validate-config', '--config', file]);
  const exit = await child.exited;
  assert.equal(exit.code, 0, child.stderr());
  assert.doesNotMatch(child.stdout() + child.stderr(), new RegExp(`YAMLWarning|${secret}`));
});
