import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `npm run bench`'s entry in this build. */
const benchScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'bridge-bench.js');

/** How a bench process ended, with everything it printed. */
export interface BenchExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built benchmark as `npm run bench` does, with only PATH and `env` in its environment, to its end. */
export function runBench(env: Readonly<Record<string, string>>): Promise<BenchExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [benchScript], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
