import { auditCursorWrites, createCursorWriteLog, cursorCoverage, parseMonitorLine, type CursorWrite, type CursorWriteLog } from '../cursor-audit.js';
import type { RedisMonitor } from '../infrastructure.js';
import { startOpenstackPlatform } from '../platforms/openstack.js';
import type { ChaosPlatform } from '../platforms/platform.js';
import { startVspherePlatform } from '../platforms/vsphere.js';
import type { DeliveredEvent } from '../recorder.js';
import type { FaultContext, Scenario, ScenarioWatch } from '../scenario.js';
import type { ChaosStack } from '../stack.js';
import type { TruthState } from '../truth.js';

/**
 * `diff.fullListSeconds` of these runs: about one full list per 30 polls in
 * the short form (15 in the full form), so most polls, and most kills, are
 * incremental, and full lists still happen in the run.
 */
const fullListSeconds = 30;

/**
 * Nova's `changes-since` margin in these runs (the shipped 60 s would make
 * every incremental poll re-list a minute of churn, most of the estate): one
 * host, one clock, whole-second `Date` and `updated_at`, so 2 s covers them.
 */
const novaMarginSeconds = 2;

/**
 * The bridge's environment in these runs: `diff.fullListSeconds`. Adapters
 * load on demand as in the shipped CLI (this scenario's premise check once
 * found that path never listing incrementally: 0 incremental polls of 26 on
 * vSphere, since fixed).
 */
const incrementalBridgeEnv = { DCM_BRIDGE_DIFF_FULL_LIST_SECONDS: String(fullListSeconds) };

/** The stack's Redis namespace (`stack.ts`: `cache.namespace: chaos`). */
const namespace = 'chaos';

/** A poll's log line names its listing: `{"poll":{…,"kind":"incremental",…},"msg":"poll published 3 change(s)"}`. */
const pollLine = /"kind":"(full|incremental)".*"msg":"poll (?:published|found no changes)/g;
const anyPollLine = new RegExp(pollLine.source);

/** What one SIGKILL found, for the report and the bar. */
interface KillLanding {
  /** The killed process's poll in flight listed incrementally (its stored cursor served, no full list due or forced). */
  readonly incremental: boolean;
  /** Events recorded in the outbox and not committed when the process died: it died between publish and commit. */
  readonly uncommitted: number;
  /** An event reached the broker after the process's last logged poll and before the kill. */
  readonly afterEvent: boolean;
}

/** The scenario's watch, with what its trials need: the check made after each kill. */
interface IncrementalWatch extends ScenarioWatch {
  afterKill(context: FaultContext, afterEvent: boolean): Promise<void>;
}

const watches = new WeakMap<ChaosStack, IncrementalWatch>();

/**
 * Follows every Redis command through `MONITOR` (the cursor writes against
 * the outbox) and, after each kill, compares the cursor left in Redis with
 * DCM's stream; its verdict adds to the judge's bar: no cursor write ahead of
 * an acknowledgement or of the stream, no stored cursor past DCM's last word,
 * DELETED exactly once per deleted instance DCM heard of, and most polls
 * incremental (the scenario's premise).
 */
async function watchIncrementalRun(stack: ChaosStack, cursorListedAt: ListedAt): Promise<IncrementalWatch> {
  const endpoint = stack.platform.endpointName;
  const log: CursorWriteLog = createCursorWriteLog(namespace, endpoint);
  const monitor: RedisMonitor = stack.redis.monitor((line) => {
    const command = parseMonitorLine(line);
    if (command) log.apply(command);
  });
  await monitor.attached;
  const landings: KillLanding[] = [];
  const behind: string[] = [];
  let statesChecked = 0;
  let awaitingConfirmation = 0;
  let cursorsChecked = 0;

  /** The logged write that stored `text` (MONITOR's output may trail the kill by a moment). */
  const writeOf = async (text: string): Promise<CursorWrite | undefined> => {
    const deadline = Date.now() + 2000;
    for (;;) {
      const write = log.writes().findLast((candidate) => candidate.stored === text);
      if (write || Date.now() > deadline) return write;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const watch: IncrementalWatch = {
    async afterKill(context, afterEvent) {
      // Read before the restart: the next process resends its outbox first, which would hide a cursor stored too early.
      const [storedCursor, outboxSize] = await Promise.all([context.redis.command('GET', `${namespace}:v2:cursor:${endpoint}`), context.redis.command('HLEN', `${namespace}:v2:outbox:${endpoint}`)]);
      const delivered = await stack.recorder.readStream();
      const cursor = readCursor(storedCursor);
      const killed = stack.bridge.incarnations().at(-1);
      const sinceLastPoll = (killed?.stderr() ?? '').split(pollLine).at(-1) ?? '';
      const incremental = cursor !== undefined && Date.now() - cursor.fullListAt < fullListSeconds * 1000 && !sinceLastPoll.includes('listing in full');
      landings.push({ incremental, uncommitted: Number(outboxSize) || 0, afterEvent });
      const write = cursor === undefined ? undefined : await writeOf(storedCursor);
      const listedAt = cursor === undefined ? undefined : cursorListedAt(cursor.value, write);
      if (listedAt === undefined) return;
      cursorsChecked++;
      const coverage = cursorCoverage(context.truth.history(), delivered, listedAt, Math.max(listedAt, write?.at ?? listedAt));
      statesChecked += coverage.checked;
      awaitingConfirmation += coverage.deletionsAwaitingConfirmation;
      behind.push(...coverage.behind);
    },
    verdict({ truth, delivered }) {
      const audit = auditCursorWrites(log.writes(), delivered);
      const polls = { full: 0, incremental: 0 };
      for (const process of stack.bridge.incarnations()) for (const [, kind] of process.stderr().matchAll(pollLine)) polls[kind as 'full' | 'incremental']++;
      const deletedTwice = deletionsNotOnce(truth, delivered);
      const inWindow = landings.filter((landing) => landing.incremental && landing.uncommitted > 0);
      const misses: string[] = [];
      if (audit.aheadOfCommit > 0) misses.push(`cursor written while events were not acknowledged ${audit.aheadOfCommit}`);
      if (audit.aheadOfStream > 0) misses.push(`cursor written before its events were in DCM's stream ${audit.aheadOfStream}`);
      if (behind.length > 0) misses.push(`stored cursor past DCM's last word after a kill ${behind.length}`);
      if (deletedTwice.length > 0) misses.push(`DELETED not exactly once ${deletedTwice.length}`);
      if (audit.writes === 0) misses.push('no cursor write to audit');
      if (polls.incremental <= polls.full) misses.push(`only ${polls.incremental} incremental polls against ${polls.full} full ones`);
      return {
        misses,
        notes: [
          `${inWindow.length} of ${landings.length} kills landed between publish and commit of an incremental poll (${inWindow.reduce((sum, landing) => sum + landing.uncommitted, 0)} events recorded and not committed when the bridge died; ${landings.filter((landing) => landing.afterEvent).length} kills right after an event)`,
          `polls: ${polls.incremental} incremental, ${polls.full} full`,
          `${audit.writes} cursor writes audited against the outbox and the stream (${log.commandsSeen()} outbox and cursor commands)`,
          `after ${cursorsChecked} kills, ${statesChecked} instance states at the stored cursor checked against DCM's stream (${awaitingConfirmation} deletions before a full list awaiting confirmation)`,
          ...audit.findings.slice(0, 5),
          ...behind.slice(0, 5).map((line) => `cursor past DCM's last word: ${line}`),
          ...deletedTwice.slice(0, 5),
        ],
      };
    },
    async dispose() {
      await monitor.stop();
      watches.delete(stack);
    },
  };
  watches.set(stack, watch);
  return watch;
}

/** The core's stored cursor (`[value, fullListAt, epoch, scope]`), or undefined when none (or unreadable). */
function readCursor(text: string): { value: string; fullListAt: number } | undefined {
  if (text === '') return undefined;
  try {
    const fields: unknown = JSON.parse(text);
    if (Array.isArray(fields) && typeof fields[0] === 'string' && typeof fields[1] === 'number') return { value: fields[0], fullListAt: fields[1] };
  } catch {
    // Not the core's encoding: no check, the write audit still holds.
  }
  return undefined;
}

/** Instances deleted on the platform whose DELETED reached DCM other than exactly once (DCM heard of them). */
function deletionsNotOnce(truth: ReadonlyMap<string, readonly TruthState[]>, delivered: readonly DeliveredEvent[]): string[] {
  const heard = new Set<string>();
  const deletions = new Map<string, number>();
  for (const event of delivered) {
    if (event.malformed !== undefined) continue;
    heard.add(event.instanceId);
    if (event.status === 'DELETED') deletions.set(event.instanceId, (deletions.get(event.instanceId) ?? 0) + 1);
  }
  const wrong: string[] = [];
  for (const [instanceId, history] of truth) {
    const count = deletions.get(instanceId) ?? 0;
    const deleted = history.at(-1)?.status === 'DELETED';
    if (deleted && heard.has(instanceId) ? count !== 1 : count > 0 && !deleted) wrong.push(`${instanceId}: DELETED ${count} time(s), ${deleted ? 'deleted' : 'not deleted'} on the platform`);
  }
  return wrong;
}

/**
 * One trial: once the running process logged a poll (so its next event is a
 * poll's, not its start-up outbox resend), SIGKILL it at the next event on
 * `dcm.*` — the broker has it, the bridge has not committed it —, check the
 * stored cursor against DCM's stream before anything restarts, and start the
 * bridge again after 0.2–2 s.
 */
async function incrementalSigkillTrial(context: FaultContext): Promise<void> {
  const watch = watches.get(context.stack);
  if (!watch) throw new Error('the incremental sigkill trial runs only under its watch');
  const current = context.stack.bridge.incarnations().at(-1);
  const deadline = Date.now() + 30_000;
  while (!anyPollLine.test(current?.stderr() ?? '')) {
    if (Date.now() > deadline) throw new Error('the bridge logged no poll within 30 s of its start');
    await context.sleep(50);
  }
  const afterEvent = await context.afterNextEvent();
  await context.bridge.kill();
  context.note(afterEvent ? 'SIGKILL right after an event was published' : 'SIGKILL after 10 s without an event');
  await watch.afterKill(context, afterEvent);
  await context.sleep(context.between(200, 2000));
  await context.bridge.start();
}

/** The OpenStack simulator (pages of 40) polled with this group's `fullListSeconds` and Nova margin. */
async function incrementalOpenstack(): Promise<ChaosPlatform> {
  const platform = await startOpenstackPlatform({ maxLimit: 40 });
  return {
    ...platform,
    bridgeEnv: { ...platform.bridgeEnv, ...incrementalBridgeEnv, CHAOS_NOVA_CHANGES_SINCE_MARGIN_SECONDS: String(novaMarginSeconds) },
  };
}

/** A time before which every change was visible to the listing that returned a cursor; undefined when it cannot be told. */
type ListedAt = (cursorValue: string, write: CursorWrite | undefined) => number | undefined;

/** A Nova cursor is a `changes-since` time: the listing behind it was answered `novaMarginSeconds` later (whole seconds, never after the answer). */
const novaListedAt: ListedAt = (cursorValue) => {
  const time = Date.parse(cursorValue);
  return Number.isNaN(time) ? undefined : time + novaMarginSeconds * 1000;
};

/** A vCenter cursor is a PropertyCollector version, no time: its poll's start (logged by MONITOR) comes before its WaitForUpdatesEx. */
const pollStartListedAt: ListedAt = (_cursorValue, write) => write?.pollStartedAt;

/** The vCenter simulator with VMs marked by custom attributes, read over the Web Services API (`apiFlavor: vim`). */
async function incrementalVsphere(): Promise<ChaosPlatform> {
  const platform = await startVspherePlatform({ marking: 'customAttribute' });
  return { ...platform, bridgeEnv: { ...platform.bridgeEnv, ...incrementalBridgeEnv } };
}

/** The bridge SIGKILLed between publish and commit of incremental polls, with the cursor audited against DCM's stream. */
export const incrementalScenarios: readonly Scenario[] = [
  {
    name: 'openstack-incremental-sigkill',
    summary: `Nova polled incrementally (changes-since, diff.fullListSeconds ${fullListSeconds}), the bridge SIGKILLed right after an event of a poll reached the broker (between publish and commit), the stored cursor checked against DCM's stream before the restart after 0.2–2 s`,
    trials: { short: 6, full: 50 },
    platform: incrementalOpenstack,
    watch: (stack) => watchIncrementalRun(stack, novaListedAt),
    trial: incrementalSigkillTrial,
  },
  {
    name: 'vsphere-incremental-sigkill',
    summary: `vCenter polled incrementally over the Web Services API (WaitForUpdatesEx, diff.fullListSeconds ${fullListSeconds}; a restart's new session refuses the old version, so its first poll lists in full), the bridge SIGKILLed right after an event of a poll reached the broker, the stored cursor checked against DCM's stream before the restart after 0.2–2 s`,
    trials: { short: 4, full: 30 },
    platform: incrementalVsphere,
    watch: (stack) => watchIncrementalRun(stack, pollStartListedAt),
    trial: incrementalSigkillTrial,
  },
];
