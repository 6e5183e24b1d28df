import type { HeldInstance, PlatformLies } from '../platforms/lies.js';
import { startOpenstackPlatform } from '../platforms/openstack.js';
import type { FaultContext, RunForm, Scenario } from '../scenario.js';
import { scenariosOfTable, type TableKind } from './kind-table.js';

/** Nova's page size (`max_limit`) here: the short form's 120 servers span 3 pages, so a page can lose its next link mid-listing. */
const pageSize = 40;

/** Seconds, drawn in [min, max), per form. */
type SecondsPerForm = Readonly<Record<RunForm, readonly [number, number]>>;

/**
 * What the bridge cannot see while a lie is told: `listing` — the affected
 * instances (or the whole list) are out of its sight, so a blind window
 * spans the lie and the bridge's recovery; `nothing` — the bridge must see
 * through the lie, so every state held long enough is owed to DCM.
 */
type Blindness = 'listing' | 'nothing';

/** A lie being told: `end` takes it back and says what it did. */
interface ToldLie {
  /** Called every {@link owedHoldMs} while the lie lasts (impostors change state, say). */
  readonly meanwhile?: () => Promise<void>;
  end(): Promise<string>;
}

/** One platform lie kind: a row of the table (its name is also its full-form scenario's). */
export interface PlatformLieKind extends TableKind {
  /** How long the lie is told. */
  readonly seconds: SecondsPerForm;
  readonly blind: Blindness;
  tell(context: FaultContext, lies: PlatformLies): Promise<ToldLie>;
}

const briefly: SecondsPerForm = { short: [2, 4], full: [4, 10] };
/** `intervals` of the form's cadence, in ms. */
const past = (context: FaultContext, intervals: number): number => intervals * context.settings.tuning.intervalSeconds * 1000;
/** Longer than a state must hold to be owed to DCM (an interval with its jitter, and a poll): what a lie changes at this pace is checked. */
const owedHoldMs = (context: FaultContext): number => past(context, 1 + context.settings.tuning.jitterRatio) + 1500;

/** DCM ids the bridge must never publish (not DNS labels of at most 63 characters), with a live-looking one among them. */
const invalidIds = ['INST-00001', 'inst_00002', '-inst-00003', 'inst-00004-', 'inst.00005', 'inst 00006', 'ïnst-00007', `inst-${'x'.repeat(59)}`, 'inst-00008/../x', '<script>'];
/** Statuses a later Nova might report; the bridge's table knows none of them. */
const newerStatuses = ['HIBERNATED', 'PREEMPTED', 'MIGRATION_FAILED', 'QUARANTINED'];
/** An event body longer than this means a platform string went out unbounded (issue 9 measured 636–1,185 bytes for a 1 MB name). */
const eventBodyBound = 8 * 1024;

/** A counted quirk (`next`, a large count) that must have struck before it is switched off: an unused lie proves nothing. */
async function countedQuirk(context: FaultContext, quirk: 'dropNextLink' | 'omitListTags'): Promise<ToldLie> {
  const { platform } = context.stack;
  const count = 1_000_000;
  await platform.control('POST', '/_sim/quirks', { [quirk]: { type: 'next', count } });
  return {
    async end() {
      const left = ((await platform.control('GET', '/_sim/quirks')) as Record<string, { count?: number }>)[quirk]?.count ?? 0;
      await platform.control('POST', '/_sim/quirks', { [quirk]: { type: 'off' } });
      if (left >= count) throw new Error(`quirk ${quirk} was on but no listing answer met it`);
      return `${count - left} answer(s) changed`;
    },
  };
}

/** A down cell holding 5–15 % of the live servers (the mass-deletion guard's threshold is 20 %). */
async function downCell(context: FaultContext, listRecordsBySkippingDownCells: boolean): Promise<ToldLie> {
  const { platform } = context.stack;
  const live = platform.livePlatformIds();
  const share = context.between(0.05, 0.15);
  const cell = `cell-lie-${Date.now()}`;
  const placed: string[] = [];
  for (const platformId of live.filter(() => context.random() < share)) {
    // The churn may have deleted it since the list was taken: a deleted server has no cell to move.
    const moved = await platform.control('PUT', `/_sim/servers/${platformId}/cell`, { cell }).then(
      () => true,
      (error: unknown) => (error instanceof Error && error.message.includes('answered 404') ? false : Promise.reject(error)),
    );
    if (moved) placed.push(platformId);
  }
  await platform.control('POST', '/_sim/quirks', { downCells: [cell], listRecordsBySkippingDownCells });
  return {
    async end() {
      await platform.control('POST', '/_sim/quirks', { downCells: [], listRecordsBySkippingDownCells: true });
      return `${placed.length} server(s) in the down cell`;
    },
  };
}

/**
 * Holds up to `count` instances the bridge has known for a few intervals (and
 * `accept` allows). Right after the bridge first published the estate no
 * instance may be that old yet: waits for one, an interval at a time, and
 * fails when none is free after ten.
 */
async function holdKnown(context: FaultContext, lies: PlatformLies, count: number, accept?: (instanceId: string) => boolean): Promise<HeldInstance[]> {
  const held: HeldInstance[] = [];
  for (let attempt = 0; held.length === 0; attempt++) {
    if (attempt > 0) {
      if (attempt > 10) throw new Error('no live instance was free to tell a lie about for ten intervals');
      await context.sleep(past(context, 1));
    }
    for (let index = held.length; index < count; index++) {
      const instance = lies.hold(context.random, context.truth, past(context, 3), accept);
      if (instance) held.push(instance);
    }
  }
  return held;
}

/** The events of `instanceIds` in DCM's stream, for checks the judge does not make (messages, sizes). */
async function eventsOf(context: FaultContext, instanceIds: ReadonlySet<string>) {
  return (await context.stack.recorder.readStream()).filter((event) => instanceIds.has(event.instanceId));
}

/**
 * The platform lies of issue 11, as data: what each makes the Nova
 * simulator say, for how long, and what it hides from the bridge. No lie
 * may yield a false DELETED, an event about an instance DCM does not
 * manage, a lost state once it ends, or a crash.
 */
export const platformLieKinds: readonly PlatformLieKind[] = [
  {
    name: 'lie-next-link-dropped',
    summary: 'every full page of the listing comes without its servers_links next link (a proxy or a bug dropping it)',
    seconds: briefly,
    blind: 'listing',
    fullTrials: 8,
    tell: (context) => countedQuirk(context, 'dropNextLink'),
  },
  {
    name: 'lie-tags-omitted',
    summary: 'the servers of every tag-filtered listing come without their tags (Nova filtered on them)',
    seconds: briefly,
    blind: 'listing',
    fullTrials: 8,
    tell: (context) => countedQuirk(context, 'omitListTags'),
  },
  {
    name: 'lie-down-cell-skipped',
    summary: "a cells v2 cell holding 5–15 % of the servers goes down; Nova's default (list_records_by_skipping_down_cells = true) leaves its servers out of tag-filtered lists",
    seconds: briefly,
    blind: 'listing',
    fullTrials: 6,
    tell: (context) => downCell(context, true),
  },
  {
    name: 'lie-down-cell-fails-list',
    summary: 'a cell goes down with list_records_by_skipping_down_cells = false: every listing fails with 500',
    seconds: briefly,
    blind: 'listing',
    fullTrials: 6,
    tell: (context) => downCell(context, false),
  },
  {
    name: 'lie-flapping',
    summary: 'three instances each switched 4–6 times between their state and a neighbour within one interval, ending in one of the two',
    seconds: { short: [0, 0], full: [0, 0] },
    blind: 'nothing',
    fullTrials: 10,
    async tell(context, lies) {
      const held = await holdKnown(context, lies, 3);
      const intervalMs = past(context, 1);
      const flaps = await Promise.all(
        held.map((instance) => {
          const switches = 4 + Math.floor(context.random() * 3);
          return lies.flap(instance, context.random, context.truth, switches, intervalMs / (switches + 1));
        }),
      );
      return {
        async end() {
          for (const instance of held) await lies.release(instance, context.truth);
          return flaps.map((statuses, index) => `${held[index]?.instanceId}: ${statuses.join('→')}`).join('; ');
        },
      };
    },
  },
  {
    name: 'lie-unknown-status',
    summary: 'two instances reported in a status the OpenStack table does not know (one a later Nova might add) for a few intervals: DCM must get FAILED naming it',
    seconds: { short: [3, 4], full: [5, 10] },
    blind: 'nothing',
    fullTrials: 6,
    async tell(context, lies) {
      // An instance already FAILED would owe DCM no event: the status would not change.
      const held = await holdKnown(context, lies, 2, (instanceId) => context.truth.current(instanceId) !== 'FAILED');
      const status = newerStatuses[Math.floor(context.random() * newerStatuses.length)] ?? 'HIBERNATED';
      for (const instance of held) await lies.reportUnknownStatus(instance, status, context.truth);
      return {
        async end() {
          for (const instance of held) await lies.release(instance, context.truth);
          // The judge checks the status; the message must name what Nova said, or no operator can act on it.
          const failed = (await eventsOf(context, new Set(held.map((instance) => instance.instanceId)))).filter((event) => event.status === 'FAILED' && event.body.includes(status));
          if (failed.length < held.length) throw new Error(`only ${failed.length} of ${held.length} FAILED event(s) name the unknown status ${status}`);
          return `${held.length} instance(s) reported ${status}`;
        },
      };
    },
  },
  {
    name: 'lie-invalid-ids',
    summary: "servers carrying managed-by=dcm and a dcm-instance-id that is not a DNS label (upper case, '_', '.', spaces, 64+ characters, markup) appear, change state and vanish",
    seconds: briefly,
    blind: 'nothing',
    fullTrials: 6,
    async tell(context, lies) {
      const impostors: string[] = [];
      for (const instanceId of invalidIds) impostors.push(await lies.addImpostor(instanceId, context.random));
      return {
        meanwhile: async () => {
          for (const platformId of impostors) await lies.stepImpostor(platformId, context.random);
        },
        async end() {
          for (const platformId of impostors) await lies.removeImpostor(platformId);
          return `${impostors.length} server(s) with invalid DCM ids`;
        },
      };
    },
  },
  {
    name: 'lie-duplicate-ids',
    summary: "a clone of a known instance carrying its dcm-instance-id appears, changes state and is deleted, while the original changes state too: DCM hears only the original, and no DELETED for the clone",
    seconds: { short: [5, 6], full: [5, 10] },
    blind: 'nothing',
    fullTrials: 8,
    async tell(context, lies) {
      const originals = await holdKnown(context, lies, 2);
      const clones: string[] = [];
      for (const original of originals) clones.push(await lies.addImpostor(original.instanceId, context.random));
      return {
        meanwhile: async () => {
          // Each original's own changes, held longer than an interval, are owed to DCM under the contested id.
          for (const original of originals) await lies.flap(original, context.random, context.truth, 1, 0);
          for (const platformId of clones) await lies.stepImpostor(platformId, context.random);
        },
        async end() {
          for (const platformId of clones) await lies.removeImpostor(platformId);
          for (const original of originals) await lies.release(original, context.truth);
          return `clones of ${originals.map((original) => original.instanceId).join(', ')}`;
        },
      };
    },
  },
  {
    name: 'lie-huge-payloads',
    summary: "managed servers with 128 metadata items of 255 characters, 50 tags, 64 KB fault messages and details, one with a 256 KB name: a listing page of several MB; events stay under 8 KB",
    seconds: { short: [3, 4], full: [5, 10] },
    blind: 'nothing',
    fullTrials: 4,
    async tell(context, lies) {
      const count = context.settings.form === 'short' ? 16 : 30;
      const bloated: HeldInstance[] = [];
      for (let index = 0; index < count; index++) {
        bloated.push(await lies.addBloated({ nameChars: index === 0 ? 256 * 1024 : 255, metadataItems: 127, metadataChars: 255, extraTags: 49, ...(index % 2 === 1 ? { faultChars: 64 * 1024 } : {}) }, context.truth));
      }
      return {
        async end() {
          for (const instance of bloated) await lies.remove(instance, context.truth);
          const events = await eventsOf(context, new Set(bloated.map((instance) => instance.instanceId)));
          const largest = Math.max(0, ...events.map((event) => Buffer.byteLength(event.body)));
          if (largest > eventBodyBound) throw new Error(`an event about a bloated server is ${largest} bytes, over the ${eventBodyBound}-byte bound`);
          return `${count} bloated server(s); largest event ${largest} bytes`;
        },
      };
    },
  },
];

/**
 * Tells one lie of `kind` and takes it back: marks what the bridge cannot
 * see (or counts a lie it must see through), tells it, keeps it for the
 * drawn time (acting once an interval where the kind says so), ends it and
 * marks the bridge's sight restored.
 */
async function tellLie(context: FaultContext, kind: PlatformLieKind): Promise<void> {
  const { stack, settings } = context;
  const lies = stack.platform.lies;
  if (!lies) throw new Error(`platform ${stack.platform.platform} cannot tell lies`);
  const key = `platform lie ${kind.name}`;
  if (kind.blind === 'listing') stack.blindFrom(key);
  else stack.countSightedFault();
  const told = await kind.tell(context, lies);
  const until = Date.now() + context.between(...kind.seconds[settings.form]) * 1000;
  while (Date.now() < until) {
    await context.sleep(Math.min(owedHoldMs(context), Math.max(0, until - Date.now())));
    if (Date.now() < until) await told.meanwhile?.();
  }
  const what = await told.end();
  if (kind.blind === 'listing') stack.blindUntilRecovered(key);
  context.note(`${kind.name}: ${what}`);
}

/** The group's scenarios: `platform-lies-mixed` in the short form, one per kind in the full form. */
export const platformLieScenarios: readonly Scenario[] = scenariosOfTable({
  mixedName: 'platform-lies-mixed',
  verb: 'tells that platform lie',
  mixedTrials: { short: 3, full: 20 },
  kinds: platformLieKinds,
  // Small pages, so a listing has several and a page can lose its next link mid-listing.
  platform: () => startOpenstackPlatform({ maxLimit: pageSize }),
  make: tellLie,
});
