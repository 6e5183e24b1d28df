import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';

/** The built floor scripts, beside this module in the build (`<outDir>/bench/floors/`). */
export const floorScripts = {
  fetch: join(dirname(fileURLToPath(import.meta.url)), '..', 'floors', 'fetch-floor.js'),
  jetstream: join(dirname(fileURLToPath(import.meta.url)), '..', 'floors', 'jetstream-floor.js'),
  redis: join(dirname(fileURLToPath(import.meta.url)), '..', 'floors', 'redis-floor.js'),
  storm: join(dirname(fileURLToPath(import.meta.url)), '..', 'floors', 'storm-floor.js'),
} as const;

/**
 * Runs a floor script in its own Node process (the bench's own Node) with its
 * settings as JSON in `$BENCH_FLOOR`, and resolves to the JSON line it
 * printed; rejects with its stderr when it fails or runs past `timeoutMs`.
 */
export function runFloor<T>(script: string, settings: unknown, cleanup: Cleanup, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env['PATH'] ?? '', BENCH_FLOOR: JSON.stringify(settings) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const undo = cleanup.add(`floor process ${child.pid}`, () => void child.kill('SIGKILL'));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      void undo();
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as T);
      else reject(new Error(`${script.split('/').pop()} ended with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (over ${timeoutMs / 1000} s?)` : ''}: ${stderr.trim().slice(-1500)}`));
    });
  });
}
