import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBridgeError } from '../../../src/errors/index.js';
import { buildInfoFileName, formatBuildInfo, readBuildInfo, recordBuildInfo, type BuildLocation } from '../../../src/build-info/index.js';

const commit = '0123456789abcdef0123456789abcdef01234567';

/** A package root with `package.json` at `version` and an empty `dist`, removed after the test. */
function fakeBuild(t: { after: (fn: () => void) => void }, version: unknown = '1.2.3'): BuildLocation {
  const packageRoot = mkdtempSync(join(tmpdir(), 'build-info-'));
  t.after(() => rmSync(packageRoot, { recursive: true, force: true }));
  writeFileSync(join(packageRoot, 'package.json'), JSON.stringify({ name: 'x', version }));
  const outDir = join(packageRoot, 'dist');
  mkdirSync(outDir);
  return { packageRoot, outDir };
}

test('the commit from DCM_BRIDGE_BUILD_COMMIT is recorded and read back, git is not asked', (t) => {
  const location = fakeBuild(t);
  const written = recordBuildInfo({ ...location, env: { DCM_BRIDGE_BUILD_COMMIT: commit.toUpperCase() }, gitHead: () => assert.fail('git asked although the variable is set') });
  assert.deepEqual(written, { version: '1.2.3', commit });
  assert.deepEqual(JSON.parse(readFileSync(join(location.outDir, buildInfoFileName), 'utf8')), { version: '1.2.3', commit });
  assert.deepEqual(readBuildInfo(location), { version: '1.2.3', commit });
  assert.equal(formatBuildInfo(readBuildInfo(location)), `1.2.3 (commit ${commit})`);
});

test('without the variable (or with it empty) the commit comes from git; without git there is none', (t) => {
  const location = fakeBuild(t);
  assert.deepEqual(recordBuildInfo({ ...location, env: { DCM_BRIDGE_BUILD_COMMIT: '' }, gitHead: (directory) => (directory === location.packageRoot ? commit : undefined) }), { version: '1.2.3', commit });
  assert.deepEqual(recordBuildInfo({ ...location, env: {}, gitHead: () => undefined }), { version: '1.2.3' });
  assert.deepEqual(readBuildInfo(location), { version: '1.2.3' });
  assert.equal(formatBuildInfo(readBuildInfo(location)), '1.2.3');
});

test('a DCM_BRIDGE_BUILD_COMMIT that is not a commit id fails the build step, naming the variable and value', (t) => {
  const location = fakeBuild(t);
  assert.throws(
    () => recordBuildInfo({ ...location, env: { DCM_BRIDGE_BUILD_COMMIT: 'v1.0 dirty' }, gitHead: () => commit }),
    (error: unknown) => isBridgeError(error) && /DCM_BRIDGE_BUILD_COMMIT is "v1\.0 dirty": expected a git commit id/.test(error.message),
  );
});

test('the real git of this repository gives a 40-hex commit', (t) => {
  const location = fakeBuild(t);
  // The default gitHead, run in this checkout (the test runs from <repo>/<outDir>/test/unit/runtime).
  const repository = join(import.meta.dirname, '..', '..', '..', '..');
  const info = recordBuildInfo({ ...location, packageRoot: repository, env: {} });
  assert.match(info.commit ?? 'no commit', /^[0-9a-f]{40}$/);
});

test('without a record, readBuildInfo falls back to package.json; a malformed record loses only what is wrong', (t) => {
  const location = fakeBuild(t, '4.5.6');
  assert.deepEqual(readBuildInfo(location), { version: '4.5.6' });
  writeFileSync(join(location.outDir, buildInfoFileName), '{not json');
  assert.deepEqual(readBuildInfo(location), { version: '4.5.6' });
  writeFileSync(join(location.outDir, buildInfoFileName), JSON.stringify({ version: '7.0.0', commit: 'has spaces in it' }));
  assert.deepEqual(readBuildInfo(location), { version: '7.0.0' });
  rmSync(join(location.packageRoot, 'package.json'));
  rmSync(join(location.outDir, buildInfoFileName));
  assert.deepEqual(readBuildInfo(location), { version: 'unknown' });
});
