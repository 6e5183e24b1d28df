import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built benchmarks: `npm run bench`'s entry, `bridge-bench.js`, and the one-off measurements beside it. */
const benchDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');

/** How a bench process ended, with everything it printed. */
export interface BenchExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a built benchmark (by default `npm run bench`'s) as its command does, with only PATH and `env` in its environment, to its end. */
export function runBench(env: Readonly<Record<string, string>>, script = 'bridge-bench.js'): Promise<BenchExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(benchDirectory, script)], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
