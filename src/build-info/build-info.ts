import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the running code was built from: the package version and, when the build recorded it, the git commit. */
export interface BuildInfo {
  readonly version: string;
  /** Hexadecimal commit id; absent when the build knew none (no `.git`, no `DCM_BRIDGE_BUILD_COMMIT`). */
  readonly commit?: string;
}

/** File name of the record the build writes at the root of its output directory (`dist/build-info.json`). */
export const buildInfoFileName = 'build-info.json';

/**
 * A git object id, abbreviated (7+) or whole (40 for SHA-1, 64 for SHA-256 repositories). Only hex digits, so the
 * value is fit for a metric label, a log field and a one-line `--version`.
 */
const commitPattern = /^[0-9a-f]{7,64}$/;

/** True when `value` is a commit id as {@link BuildInfo.commit} holds it. */
export function isCommitId(value: unknown): boolean {
  return typeof value === 'string' && commitPattern.test(value);
}

/** Where a build's output and its package live, seen from this module compiled to `<outDir>/src/build-info/`. */
export interface BuildLocation {
  /** The compiler's output directory (`dist`): holds {@link buildInfoFileName}. */
  readonly outDir: string;
  /** The directory of `package.json`. */
  readonly packageRoot: string;
}

/** The location of the build this module belongs to. */
export function ownBuildLocation(): BuildLocation {
  const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return { outDir, packageRoot: dirname(outDir) };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function field(record: unknown, key: string): unknown {
  return typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[key] : undefined;
}

/**
 * The build's {@link BuildInfo}: read from `<outDir>/build-info.json` (written by `npm run build`), else the version
 * of `package.json` with no commit, else version `unknown`. Never throws: a missing or malformed record only loses
 * what it would have said (a commit that is not a hex id is dropped). Reads two small files synchronously and loads
 * nothing else, so `--version` and a metric can call it at any time.
 */
export function readBuildInfo(location: BuildLocation = ownBuildLocation()): BuildInfo {
  const recorded = readJson(join(location.outDir, buildInfoFileName));
  const recordedVersion = field(recorded, 'version');
  const packageVersion = typeof recordedVersion === 'string' && recordedVersion ? undefined : field(readJson(join(location.packageRoot, 'package.json')), 'version');
  const version = typeof recordedVersion === 'string' && recordedVersion ? recordedVersion : typeof packageVersion === 'string' && packageVersion ? packageVersion : 'unknown';
  const commit = field(recorded, 'commit');
  return Object.freeze(typeof commit === 'string' && isCommitId(commit) ? { version, commit } : { version });
}

/** `0.1.0 (commit 1a2b3c…)` or `0.1.0`: the one line `--version` prints. */
export function formatBuildInfo(info: BuildInfo): string {
  return info.commit ? `${info.version} (commit ${info.commit})` : info.version;
}
