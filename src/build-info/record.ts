import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BridgeError, ErrorCode } from '../errors/index.js';
import { buildInfoFileName, isCommitId, type BuildInfo, type BuildLocation } from './build-info.js';

/** Environment variable that names the commit being built; the container build passes it, having no `.git`. */
export const buildCommitVariable = 'DCM_BRIDGE_BUILD_COMMIT';

/** What {@link recordBuildInfo} needs: where the build is, its environment, and how to ask git (tests pass their own). */
export interface RecordBuildInfoOptions extends BuildLocation {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The commit checked out in `directory`, or undefined; default: `git rev-parse HEAD` when `directory/.git` exists. */
  readonly gitHead?: (directory: string) => string | undefined;
}

/** `git rev-parse HEAD` in `directory`, or undefined when it has no `.git` or git cannot tell (git not installed, no commit yet). */
export function gitHead(directory: string): string | undefined {
  if (!existsSync(join(directory, '.git'))) return undefined;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Writes `<outDir>/build-info.json` and returns what it wrote: the version of `package.json` and the commit from
 * `DCM_BRIDGE_BUILD_COMMIT` when set and not empty, else from git, else none. Throws a CONFIG_INVALID
 * {@link BridgeError} naming the value when the variable holds anything but a hex commit id (a build must not
 * ship a label it cannot stand behind), and when `package.json` has no version.
 */
export function recordBuildInfo(options: RecordBuildInfoOptions): BuildInfo {
  const manifestPath = join(options.packageRoot, 'package.json');
  const version = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string' || !version) throw new BridgeError(ErrorCode.ConfigInvalid, `${manifestPath} has no "version"`);
  const given = options.env[buildCommitVariable]?.trim();
  const fromEnv = given?.toLowerCase();
  if (given && !isCommitId(fromEnv)) {
    throw new BridgeError(ErrorCode.ConfigInvalid, `${buildCommitVariable} is "${given.slice(0, 80)}": expected a git commit id (7 to 64 hex digits)`);
  }
  const fromGit = fromEnv ? undefined : (options.gitHead ?? gitHead)(options.packageRoot)?.toLowerCase();
  const commit = fromEnv || (fromGit && isCommitId(fromGit) ? fromGit : undefined);
  const info: BuildInfo = commit ? { version, commit } : { version };
  writeFileSync(join(options.outDir, buildInfoFileName), JSON.stringify(info) + '\n');
  return info;
}
