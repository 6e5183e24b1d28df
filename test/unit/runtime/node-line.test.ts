import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Compiled to <outDir>/test/unit/runtime/: the repository root is four levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const read = (path: string): string => readFileSync(join(repositoryRoot, path), 'utf8');

interface PackageManifest {
  readonly engines: { readonly node: string };
  readonly scripts: Record<string, string>;
}
const manifest = JSON.parse(read('package.json')) as PackageManifest;

/** The lowest Node major `engines.node` admits; only the `>=N` form is read, any other form fails the test so it is looked at. */
function lowestAdmittedMajor(range: string): number {
  const match = /^>=\s*(\d+)(?:\.\d+){0,2}$/.exec(range.trim());
  assert.ok(match, `engines.node is "${range}": this test reads only ">=N" ranges`);
  return Number(match[1]);
}

/** The Node major of every stage of the Dockerfile, resolving the `ARG` defaults its `FROM` lines use. */
function dockerNodeMajors(dockerfile: string): number[] {
  const args = new Map<string, string>();
  for (const [, name, value] of dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)\s*$/gm)) args.set(name!, value!);
  return [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map(([, reference]) => {
    const image = reference!.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? `unset ARG ${name}`);
    const tag = /^node:(\d+)(?:[.-]|$)/.exec(image);
    assert.ok(tag, `Dockerfile stage FROM ${reference} (${image}) is not an official node image with a major version tag`);
    return Number(tag[1]);
  });
}

/** The Node major `.ci/with-node24` installs from the npm registry's `node` package. */
function ciNodeMajor(): number {
  const spec = /\bnode@(\d+)\b/.exec(read('.ci/with-node24'));
  assert.ok(spec, '.ci/with-node24 installs no node@<major>');
  return Number(spec[1]);
}

test('engines admit Node 22 and later, not Node 20 (end of life since 2026-04-30)', () => {
  assert.equal(lowestAdmittedMajor(manifest.engines.node), 22);
});

test('every Docker stage runs Node 24 LTS, the line CI installs, which engines admit', () => {
  const majors = dockerNodeMajors(read('Dockerfile'));
  assert.equal(majors.length, 3, 'build, dependencies and runtime stages');
  assert.deepEqual(new Set(majors), new Set([24]));
  assert.equal(ciNodeMajor(), 24);
  assert.ok(24 >= lowestAdmittedMajor(manifest.engines.node));
});

test('npm test runs the suite on a supported Node (Node 24 when the machine has an older one), and CI runs npm test', () => {
  assert.match(manifest.scripts['test'] ?? '', /^npm run build && \.ci\/on-supported-node npm run test:built$/);
  // The lanes runner starts each lane's `node --test` with its own Node binary, the one on-supported-node chose.
  assert.match(manifest.scripts['test:built'] ?? '', /^node \.ci\/test-lanes\.mjs dist$/);
  assert.match(read('.ci/test-lanes.mjs'), /spawn\(process\.execPath, \['--test'/);
  const chooser = read('.ci/on-supported-node');
  assert.match(chooser, /-ge 22\b/, 'the machine\'s Node is used from 22, the lowest major engines admits');
  assert.match(chooser, /exec \.ci\/with-node24 "\$@"/, 'older ones fall back to Node 24');
  assert.match(read('.ci/run'), /^npm test$/m);
});
