/**
 * The bridge's own CLI (`src/cli.ts`: the same `runProcess` and process I/O)
 * with the built-in adapters, their floor lowered to
 * `CHAOS_ADAPTER_FLOOR_SECONDS`, so a fault run can poll every second
 * instead of every 10 s, EC2's page size set by `CHAOS_EC2_PAGE_SIZE` and
 * Nova's `changes-since` margin by `CHAOS_NOVA_CHANGES_SINCE_MARGIN_SECONDS`.
 * Test-only: the shipped CLI has no such switches.
 * Run as `node <outDir>/test/chaos/bridge-entry.js run --config F`.
 */
import { homedir } from 'node:os';
import { createEc2Adapter } from '../../adapters/ec2/index.js';
import { createOpenstackAdapter } from '../../adapters/openstack/index.js';
import { processIo, runProcess } from '../../src/cli.js';
import { builtinAdapters } from '../../src/registry/index.js';

const floorSeconds = Number(process.env['CHAOS_ADAPTER_FLOOR_SECONDS'] ?? '10');
// `CHAOS_EC2_PAGE_SIZE`: a smaller MaxResults, so a short-form estate pages and faults can strike mid-pagination.
const ec2PageSize = process.env['CHAOS_EC2_PAGE_SIZE'];
// `CHAOS_NOVA_CHANGES_SINCE_MARGIN_SECONDS`: a cursor only this far behind Nova's clock, so an incremental poll lists a few seconds of changes, not the default minute's.
const novaMargin = process.env['CHAOS_NOVA_CHANGES_SINCE_MARGIN_SECONDS'];
// The host the shipped CLI hands its adapters (src/main.ts).
const host = { env: process.env, cwd: process.cwd(), homeDir: homedir() };
const adapters = builtinAdapters(host).map((adapter) => {
  if (adapter.platform === 'ec2' && ec2PageSize) return createEc2Adapter({ pageSize: Number(ec2PageSize) });
  if (adapter.platform === 'openstack' && novaMargin) return createOpenstackAdapter({ cloudsYaml: host, changesSinceMarginSeconds: Number(novaMargin) });
  return adapter;
});
void runProcess({ ...processIo(), adapters: adapters.map((adapter) => ({ ...adapter, minimumIntervalSeconds: floorSeconds })) });
