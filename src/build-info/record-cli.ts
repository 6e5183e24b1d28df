import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatBuildInfo, ownBuildLocation } from './build-info.js';
import { recordBuildInfo } from './record.js';

/**
 * The build step after `tsc` (`npm run build`; the Dockerfile runs it too): `node <outDir>/src/build-info/record-cli.js`
 * writes `<outDir>/build-info.json` for the output directory it was compiled into. Like src/cli.ts, a process entry
 * point: the one place of this module that reads `process`.
 */
function main(): void {
  try {
    const info = recordBuildInfo({ ...ownBuildLocation(), env: process.env });
    process.stdout.write(`build-info: ${formatBuildInfo(info)}\n`);
  } catch (error) {
    process.stderr.write(`build-info: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) main();
