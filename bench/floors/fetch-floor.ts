/**
 * The fetch floor of `npm run bench` (#12): a minimal client, in its own
 * process, paging the same listing the bridge pages on the same simulator
 * (`listers.ts`: what each platform's listing asks), counting what it read.
 * It lists once to warm up (connection, token or session, vSphere's
 * tag names, as the bridge's steady polls have them warm), then `repeats`
 * times, and prints one JSON line on stdout: `{ listings: FloorListing[], peakRssMb }`.
 *
 * With `remember`, it is the least a poller that must tell what changed
 * does besides listing: it keeps every id the warm-up listed in a Map (one
 * entry a VM, as any diff must keep something a VM between polls) and looks
 * each listed id up in it, nothing more: no states compared, no records, no
 * dedupe. The bridge's CPU per unchanged VM is shown against it as a
 * reference, beside the goal's plain fetch floor.
 *
 * Run by bench/bridge-bench.ts: `node fetch-floor.js` with the settings as
 * JSON in `$BENCH_FLOOR` ({@link FetchFloorSettings}).
 */
import { closeListers, createLister, type ListerSettings, type PageVisitor } from './listers.js';

export type { FetchFloorKind } from './listers.js';

/** What a fetch floor process is told (JSON in `$BENCH_FLOOR`). */
export interface FetchFloorSettings extends ListerSettings {
  readonly repeats: number;
  /** Keep the warm-up's ids and look every listed id up in them. */
  readonly remember?: boolean;
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

/**
 * The remembering visitor: while `learning`, it stores each id (copied, so
 * a key cut from a page's text does not keep the page alive); after, it only
 * looks them up, and throws on an id it does not know (the same listing must
 * come back).
 */
function rememberIds(): { readonly visit: PageVisitor; learned(): void } {
  const known = new Map<string, true>();
  let learning = true;
  return {
    visit: async (ids) => {
      for (const id of ids) {
        if (learning) known.set(Buffer.from(id, 'utf8').toString('utf8'), true);
        else if (known.get(id) !== true) throw new Error(`a listing showed ${id}, which the first did not`);
      }
    },
    learned: () => {
      learning = false;
    },
  };
}

async function main(): Promise<void> {
  const list = await createLister(settings);
  const remembered = settings.remember ? rememberIds() : undefined;
  const visit = remembered?.visit;
  await list(visit);
  remembered?.learned();
  const listings: FloorListing[] = [];
  for (let repeat = 0; repeat < settings.repeats; repeat++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const vms = await list(visit);
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
