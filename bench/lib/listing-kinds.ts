import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchBridge, type PollSample } from './bridge-process.js';
import { startByteCountingProxy } from './byte-counting-proxy.js';
import type { Cleanup } from './cleanup.js';
import { startBenchPlatform, type BenchPlatform, type BenchPlatformName, type BenchRecipeName } from './platforms.js';
import { processCpuPreciseMs } from './proc.js';
import { emptyListingKindRun, median, type ListingKind, type ListingKindRun, type ListingPollSamples } from './results.js';
import { dcmStream, type BenchStack } from './stack.js';

/** How each platform is compared: the endpoint it lists through, the kinds it has, and how long a change is listed again. */
interface ListingSubject {
  readonly recipe: BenchRecipeName;
  readonly listing: string;
  readonly kinds: readonly ListingKind[];
  /**
   * How long after a change an incremental listing still returns it. Nova's
   * cursor is the first answer's `Date` minus 60 s (adapters/openstack/changes.ts,
   * the margin for skew and late commits) in whole seconds, so a server
   * changed less than ~62 s before the previous poll began is listed again;
   * "nothing changed" is measured only once that has passed. vCenter's
   * version names exactly what came after it.
   */
  readonly changesRelistedForMs: number;
}

/** The platforms as data: vSphere is compared on its Web Services API path, the one with incremental listing. */
export const listingSubjects: Readonly<Record<BenchPlatformName, ListingSubject>> = {
  openstack: { recipe: 'openstack', listing: 'Nova servers/detail (changes-since)', kinds: ['full', 'incremental'], changesRelistedForMs: 62_000 },
  vsphere: { recipe: 'vsphere-vim', listing: 'vCenter Web Services API (WaitForUpdatesEx)', kinds: ['full', 'incremental'], changesRelistedForMs: 0 },
  ec2: { recipe: 'ec2', listing: 'EC2 DescribeInstances', kinds: ['full'], changesRelistedForMs: 0 },
};

/** What the comparison needs from the bench around it. */
export interface ListingKindsSettings {
  readonly platform: BenchPlatformName;
  readonly vms: number;
  readonly repeats: number;
  readonly intervalSeconds: number;
  /** VMs changed before each "changed" poll. */
  readonly changedPerPoll: number;
  readonly stack: BenchStack;
  readonly workDir: string;
  readonly cleanup: Cleanup;
  /** The bench's bridge configuration with `diff` keys and one endpoint. */
  bridgeConfig(namespace: string, endpoints: string, diff: string): string;
  /** How long to wait for one poll of this size. */
  pollWaitMs(vms: number): number;
  progress(line: string): void;
  /** Runs a step, recording its failure in `run.failures` rather than stopping the run. */
  phase(run: { failures: ListingKindRun['failures'] }, name: string, work: () => Promise<void>): Promise<void>;
}

/** Counters read between two polls: their differences are one poll's cost. */
interface Reading {
  readonly requests: number;
  readonly toUpstream: number;
  readonly fromUpstream: number;
  readonly cpuMs: number;
}

/**
 * #14's comparison for one platform and size: a fresh simulator seeded with
 * `vms` managed VMs behind a byte-counting relay, then for each listing kind
 * a fresh bridge (its own cache namespace) whose endpoint lists in full
 * (`diff.fullListSeconds: 0`) or incrementally (the default), its first
 * poll (every VM new) left out, and on the incremental bridge every poll
 * until one lists incrementally from a cursor taken after the platform's
 * relisting window ({@link ListingSubject.changesRelistedForMs}) had passed
 * since the last change; then `repeats` steady polls with nothing
 * changed and `repeats` with `changedPerPoll` VMs changed before each. Each
 * poll's cost is read between its report and the next (the bridge is
 * stopped with SIGSTOP at each report, so nothing of the next poll leaks
 * in): simulator requests, relay bytes, bridge CPU; and its `durationMs`.
 * A poll of the wrong kind, or with other transitions than the changes
 * made, is a failure of the phase.
 */
export async function measureListingKinds(settings: ListingKindsSettings): Promise<ListingKindRun> {
  const { platform: name, vms, repeats, changedPerPoll, stack, cleanup, progress, phase } = settings;
  const subject = listingSubjects[name];
  const run = emptyListingKindRun(name, subject.listing, vms, changedPerPoll, subject.kinds.includes('incremental'));
  const label = `${name} ${vms} listing kinds`;
  let platform: BenchPlatform | undefined;
  let lastChangeAtMs = 0;
  let on = true;
  const undo: Array<() => Promise<void>> = [];
  try {
    await phase(run, 'simulator, seeding and relay', async () => {
      progress(`${label}: starting the ${subject.recipe} simulator behind a byte-counting relay, seeding ${vms} managed VMs`);
      const started = await startBenchPlatform(subject.recipe);
      undo.unshift(cleanup.add(`${subject.recipe} simulator (listing kinds)`, () => started.dispose()));
      await started.seed(vms);
      lastChangeAtMs = Date.now();
      platform = started;
    });
    if (!platform) return run;
    const proxy = await startByteCountingProxy(platform.simulator.url);
    undo.unshift(cleanup.add('byte-counting relay', () => proxy.close()));
    const simulator = platform;

    const changeSome = async (): Promise<void> => {
      on = !on;
      await simulator.changeSome(changedPerPoll, on);
      lastChangeAtMs = Date.now();
    };

    for (const kind of subject.kinds) {
      await phase(run, `${kind} listing`, async () => {
        const samples = run.kinds[kind];
        if (!samples) return;
        await stack.resetStream(dcmStream);
        const namespace = `bench-listing-${name}-${vms}-${kind}-${Date.now().toString(36)}`;
        const configPath = join(settings.workDir, `listing-${name}-${vms}-${kind}.yaml`);
        const diff = kind === 'full' ? 'resyncSeconds: 0, fullListSeconds: 0' : 'resyncSeconds: 0';
        writeFileSync(configPath, settings.bridgeConfig(namespace, simulator.endpointYaml(settings.intervalSeconds, proxy.url), diff));
        const bridge = startBenchBridge(configPath, simulator.bridgeEnv, cleanup, { pauseAfterEachPoll: true });
        try {
          await bridge.listening;
          let pollIndex = 0;
          const read = async (): Promise<Reading> => {
            const bytes = proxy.bytes();
            return { requests: await simulator.requestCount(), toUpstream: bytes.toUpstream, fromUpstream: bytes.fromUpstream, cpuMs: processCpuPreciseMs(bridge.pid) };
          };
          const nextPoll = async (): Promise<PollSample> => {
            bridge.thaw();
            return bridge.poll(pollIndex++, settings.pollWaitMs(vms));
          };

          progress(`${label}: ${kind}: bridge ${bridge.pid} listening; waiting for its first poll (every VM new, not measured)`);
          let last = await nextPoll();
          progress(`${label}: ${kind}: first poll ${last.durationMs} ms (${last.kind})`);
          let before = await read();

          const measure = async (situation: 'unchanged' | 'changed'): Promise<void> => {
            const into: ListingPollSamples = samples[situation];
            for (let repeat = 0; repeat < repeats; repeat++) {
              if (situation === 'changed') await changeSome();
              const poll = await nextPoll();
              const after = await read();
              into.requests.push(after.requests - before.requests);
              into.requestBytes.push(after.toUpstream - before.toUpstream);
              into.responseBytes.push(after.fromUpstream - before.fromUpstream);
              into.cpuMs.push(after.cpuMs - before.cpuMs);
              into.wallMs.push(poll.durationMs);
              into.listed.push(poll.observed);
              into.transitions.push(poll.transitions);
              const expected = situation === 'changed' ? changedPerPoll : 0;
              if (poll.kind !== kind) run.failures.push({ phase: `${kind} listing, ${situation}`, message: `poll ${pollIndex} listed ${poll.kind}, not ${kind}${poll.fullListReason ? ` (${poll.fullListReason})` : ''}` });
              if (poll.transitions !== expected) run.failures.push({ phase: `${kind} listing, ${situation}`, message: `poll ${pollIndex} published ${poll.transitions} transitions, not ${expected}` });
              before = after;
              last = poll;
            }
            progress(
              `${label}: ${kind}, ${situation === 'changed' ? `${changedPerPoll} changed` : 'nothing changed'}: ${median(into.requests)} requests, ${median(into.responseBytes)} response bytes, ${median(into.cpuMs).toFixed(1)} ms CPU, ${median(into.wallMs)} ms, ${median(into.listed)} listed`,
            );
          };

          // An incremental listing resumes from a cursor a full one took: a process's first poll lists in full without
          // one (its adapter's code loads then; no fullListReason is logged), the next in full taking one. And the poll
          // measured next lists from the cursor the last poll took at its start: that start must be past the
          // platform's relisting window.
          const tookCursor = (poll: PollSample): boolean => poll.kind === 'incremental' || poll.fullListReason !== undefined;
          const settlingPolls = 3 + Math.ceil(subject.changesRelistedForMs / 1000 / settings.intervalSeconds);
          const settle = async (): Promise<void> => {
            for (let extra = 1; !tookCursor(last) || last.arrivedAtMs - last.durationMs < lastChangeAtMs + subject.changesRelistedForMs; extra++) {
              if (extra > settlingPolls) throw new Error(`no incremental poll past the relisting window after ${settlingPolls} polls; the last listed ${last.kind}${last.fullListReason ? ` (${last.fullListReason})` : ''}`);
              progress(`${label}: ${kind}: the last poll listed ${last.kind}, ${Math.round((Date.now() - lastChangeAtMs) / 1000)} s after the last change: one more poll before measuring`);
              last = await nextPoll();
              before = await read();
            }
          };

          // Full: changed first, so the quiet polls after them count towards the incremental bridge's relisting window.
          if (kind === 'full') {
            await measure('changed');
            await measure('unchanged');
          } else {
            await settle();
            await measure('unchanged');
            await measure('changed');
          }
        } finally {
          await bridge.stop().catch(() => undefined);
        }
      });
    }
  } finally {
    for (const step of undo) await step();
  }
  return run;
}
