/**
 * The bridge's own CLI (`src/cli.ts`: the same `runProcess` and process I/O)
 * with the built-in adapters, their floor lowered to
 * `CHAOS_ADAPTER_FLOOR_SECONDS`, so a fault run can poll every second
 * instead of every 10 s, and EC2's page size set by `CHAOS_EC2_PAGE_SIZE`. Test-only: the shipped CLI has no such switch.
 * Run as `node <outDir>/test/chaos/bridge-entry.js run --config F`.
 */
import { createEc2Adapter } from '../../adapters/ec2/index.js';
import { processIo, runProcess } from '../../src/cli.js';
import { builtinAdapters } from '../../src/registry/index.js';

const floorSeconds = Number(process.env['CHAOS_ADAPTER_FLOOR_SECONDS'] ?? '10');
// `CHAOS_EC2_PAGE_SIZE`: a smaller MaxResults, so a short-form estate pages and faults can strike mid-pagination.
const ec2PageSize = process.env['CHAOS_EC2_PAGE_SIZE'];
const adapters = builtinAdapters().map((adapter) => (adapter.platform === 'ec2' && ec2PageSize ? createEc2Adapter({ pageSize: Number(ec2PageSize) }) : adapter));
void runProcess({ ...processIo(), adapters: adapters.map((adapter) => ({ ...adapter, minimumIntervalSeconds: floorSeconds })) });
