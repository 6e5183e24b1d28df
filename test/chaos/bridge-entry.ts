/**
 * The bridge's own CLI (`src/cli.ts`: the same `runProcess` and process I/O)
 * with the built-in adapters, their floor lowered to
 * `CHAOS_ADAPTER_FLOOR_SECONDS`, so a fault run can poll every second
 * instead of every 10 s. Test-only: the shipped CLI has no such switch.
 * Run as `node <outDir>/test/chaos/bridge-entry.js run --config F`.
 */
import { processIo, runProcess } from '../../src/cli.js';
import { builtinAdapters } from '../../src/registry/index.js';

const floorSeconds = Number(process.env['CHAOS_ADAPTER_FLOOR_SECONDS'] ?? '10');
void runProcess({ ...processIo(), adapters: builtinAdapters().map((adapter) => ({ ...adapter, minimumIntervalSeconds: floorSeconds })) });
