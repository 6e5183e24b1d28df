/**
 * The fetch floor of `npm run bench` (#12): a minimal client, in its own
 * process, paging the same listing the bridge pages on the same simulator
 * (`listers.ts`: what each platform's listing asks), counting what it read.
 * It lists once to warm up (connection, token or session, vSphere's
 * tag names, as the bridge's steady polls have them warm), then `repeats`
 * times, and prints one JSON line on stdout: `{ listings: FloorListing[], peakRssMb }`.
 *
 * Run by bench/bridge-bench.ts: `node fetch-floor.js` with the settings as
 * JSON in `$BENCH_FLOOR` ({@link FetchFloorSettings}).
 */
import { closeListers, createLister, type ListerSettings } from './listers.js';

export type { FetchFloorKind } from './listers.js';

/** What a fetch floor process is told (JSON in `$BENCH_FLOOR`). */
export interface FetchFloorSettings extends ListerSettings {
  readonly repeats: number;
}

/** One timed listing. */
export interface FloorListing {
  readonly wallMs: number;
  /** process.cpuUsage() user + system over the listing, µs. */
  readonly cpuUs: number;
  /** Managed VMs read. */
  readonly vms: number;
}

const settings = JSON.parse(process.env['BENCH_FLOOR'] ?? '{}') as FetchFloorSettings;

async function main(): Promise<void> {
  const list = await createLister(settings);
  await list();
  const listings: FloorListing[] = [];
  for (let repeat = 0; repeat < settings.repeats; repeat++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const vms = await list();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    listings.push({ wallMs, cpuUs: cpu.user + cpu.system, vms });
  }
  // maxRSS is in KiB: the process's peak, as VmHWM reads it for the bridge.
  process.stdout.write(`${JSON.stringify({ listings, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 })}\n`);
  await closeListers();
}

main().catch((error: unknown) => {
  process.stderr.write(`fetch floor (${settings.kind}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
