import { startEc2Platform } from '../platforms/ec2.js';
import type { ChaosPlatform } from '../platforms/platform.js';
import { startVspherePlatform } from '../platforms/vsphere.js';
import type { FaultContext, Scenario } from '../scenario.js';
import { bridgeSigkillTrial } from './infrastructure.js';
import { scenariosOfTable } from './kind-table.js';

/** A fault switched on the simulator, until {@link disarm}. */
interface ArmedFault {
  disarm(): Promise<void>;
  /** After disarming, how long some instances stay out of the bridge's sight (those launched during a visibility lag). */
  readonly outOfSightAfterMs?: number;
}

/**
 * What a fault hides from the bridge: `platform` — the platform or part of
 * it (no complete list, or instances out of sight): a blind window from
 * arming until the fault is disarmed, everything is in sight again and the
 * bridge had time to recover, so states held only then are not owed to DCM
 * (a hidden instance reported DELETED still counts); `nothing` — the bridge
 * must see through it (a revoked session is renewed and the request
 * retried), so every state is owed to DCM.
 */
type Blindness = 'platform' | 'nothing';

/**
 * One kind of platform fault, as data: its name, what it arms on the
 * simulator's control API, how long it stays armed and what it hides.
 */
interface SimulatorFault {
  readonly name: string;
  readonly summary: string;
  /** How long it stays armed, in the run's intervals, drawn uniformly; 0 for a fault that is used up at once. */
  readonly intervals: readonly [number, number];
  readonly blind: Blindness;
  arm(context: FaultContext): Promise<ArmedFault>;
}

/** One row of a platform's fault table: a name, a sentence and the trial that makes it. */
interface FaultKind {
  readonly name: string;
  readonly summary: string;
  trial(context: FaultContext): Promise<void>;
}

/** The bridge process SIGKILLed at its strike moment and restarted (the infrastructure group's trial). */
const bridgeSigkill: FaultKind = {
  name: 'bridge-sigkill',
  summary: 'the bridge SIGKILLed at random moments, half of them right after an event reached the broker, restarted after 0.2–2 s',
  trial: bridgeSigkillTrial,
};

/** The trial of a simulator fault: armed for its drawn time, blind (or counted as seen through) as its row says. */
function simulatorFaultKind(fault: SimulatorFault): FaultKind {
  return {
    name: fault.name,
    summary: fault.summary,
    async trial(context) {
      const key = `platform fault ${fault.name}`;
      const lastsMs = context.between(...fault.intervals) * context.settings.tuning.intervalSeconds * 1000;
      if (fault.blind === 'platform') context.stack.blindFrom(key);
      else context.stack.countSightedFault();
      const armed = await fault.arm(context);
      context.note(lastsMs > 0 ? `${fault.name} for ${(lastsMs / 1000).toFixed(1)} s` : fault.name);
      await context.sleep(lastsMs);
      await armed.disarm();
      await context.sleep(armed.outOfSightAfterMs ?? 0);
      if (fault.blind === 'platform') context.stack.blindUntilRecovered(key);
    },
  };
}

/** The simulated vCenter's session counters (`GET /_sim/sessions`). */
interface SessionCounters {
  readonly logins: number;
  readonly active: number;
}

/**
 * Ends every vCenter session once the bridge holds one (as an
 * administrator's "terminate session" or a vCenter restart does); disarming
 * waits until the bridge logged in again, so a fault it never met is an
 * error, not a pass.
 */
async function revokeSessions(context: FaultContext): Promise<ArmedFault> {
  const { platform } = context.stack;
  const counters = async (): Promise<SessionCounters> => (await platform.control('GET', '/_sim/sessions')) as SessionCounters;
  const deadline = Date.now() + context.stack.recoveryMs * 3;
  const waitFor = async (condition: (now: SessionCounters) => boolean, what: string): Promise<void> => {
    while (!condition(await counters())) {
      if (Date.now() > deadline) throw new Error(`sessions-revoked: ${what}`);
      await context.sleep(50);
    }
  };
  await waitFor((now) => now.active > 0, 'the bridge never held a vCenter session');
  const { logins } = await counters();
  const { expired } = (await platform.control('POST', '/_sim/sessions/expire-all')) as { expired: number };
  context.note(`${expired} vCenter session(s) ended`);
  return { disarm: () => waitFor((now) => now.logins > logins, 'the bridge never logged in again after its session ended') };
}

/** Hides a random share of the live VMs from the bridge's account (a permission change), until disarmed. */
async function hideVms(context: FaultContext, share: readonly [number, number], minimum: number): Promise<ArmedFault> {
  const { platform } = context.stack;
  const live = [...platform.livePlatformIds()];
  const count = Math.min(live.length, Math.max(minimum, Math.round(context.between(...share) * live.length)));
  const hidden: string[] = [];
  while (hidden.length < count) hidden.push(...live.splice(Math.floor(context.random() * live.length), 1));
  await platform.control('POST', '/_sim/visibility', { vms: hidden, visible: false });
  context.note(`${hidden.length} of ${hidden.length + live.length} VMs hidden from the bridge's account`);
  return { disarm: async () => void (await platform.control('POST', '/_sim/visibility', { vms: hidden, visible: true })) };
}

/** More matching calls than any fault lasts: the fault answers every one until disarmed. */
const everyCall = 1_000_000;

/**
 * A row that answers every matching DescribeInstances call (page `page`
 * only, when given) with `answer` for 1–4 intervals; a fault no call met
 * (the listing never reached that page) fails the trial.
 */
function describeFaultKind(name: string, summary: string, fault: { readonly answer: 'RequestLimitExceeded' | 'Unavailable'; readonly page?: number }): FaultKind {
  return simulatorFaultKind({
    name,
    summary,
    intervals: [1, 4],
    blind: 'platform',
    async arm(context) {
      const { platform } = context.stack;
      await platform.control('POST', '/_sim/describe-faults', { faults: [{ ...fault, times: everyCall }] });
      const callsMet = async (): Promise<number> => everyCall - (((await platform.control('GET', '/_sim/describe-faults')) as { faults: Array<{ times: number }> }).faults[0]?.times ?? 0);
      return {
        async disarm() {
          // A fault no call met proves nothing, and a bridge backing off from the fault before may miss a short window: it stays armed until a call meets it.
          const deadline = Date.now() + context.stack.recoveryMs * 3;
          let met = await callsMet();
          while (met === 0 && Date.now() <= deadline) {
            await context.sleep(50);
            met = await callsMet();
          }
          await platform.control('DELETE', '/_sim/describe-faults');
          if (met === 0) throw new Error(`${name}: no DescribeInstances call met the fault`);
          context.note(`${name}: ${met} call(s) answered ${fault.answer}`);
        },
      };
    },
  });
}

/** A switch of the EC2 simulator's control API, on while armed. */
async function ec2Switch(platform: ChaosPlatform, path: string, on: unknown, off: unknown): Promise<ArmedFault> {
  await platform.control('POST', path, on);
  return { disarm: async () => void (await platform.control('POST', path, off)) };
}

/** vSphere's fault table: the bridge's process, its sessions, and what its account may see. */
const vsphereFaultKinds: readonly FaultKind[] = [
  bridgeSigkill,
  simulatorFaultKind({
    name: 'sessions-revoked',
    summary: "every vCenter session ended (expired or terminated by an administrator): the bridge's next request gets 401 and it must log in again and carry on, losing nothing",
    intervals: [0, 0],
    blind: 'nothing',
    arm: revokeSessions,
  }),
  simulatorFaultKind({
    name: 'permission-scoped-few',
    summary: "3–8 % of the VMs (at least 1) hidden from the bridge's account for 2–5 intervals: left out of lists and tag associations, 403 on lookup",
    intervals: [2, 5],
    blind: 'platform',
    arm: (context) => hideVms(context, [0.03, 0.08], 1),
  }),
  simulatorFaultKind({
    name: 'permission-scoped-mass',
    summary: "25–40 % of the VMs (at least 10) hidden from the bridge's account for 2–5 intervals: the mass-deletion guard's case",
    intervals: [2, 5],
    blind: 'platform',
    arm: (context) => hideVms(context, [0.25, 0.4], 10),
  }),
];

/** EC2's fault table: the bridge's process, throttling and outages (also mid-pagination), eventual consistency, refused credentials. */
const ec2FaultKinds: readonly FaultKind[] = [
  bridgeSigkill,
  describeFaultKind('throttled', 'every DescribeInstances call answered RequestLimitExceeded (503) for 1–4 intervals, the SDK retries included', { answer: 'RequestLimitExceeded' }),
  describeFaultKind('throttled-mid-pagination', 'page 2 of every paged DescribeInstances call answered RequestLimitExceeded for 1–4 intervals: page 1 arrived, the list is never complete', { answer: 'RequestLimitExceeded', page: 2 }),
  describeFaultKind('unavailable-mid-pagination', 'page 2 of every paged DescribeInstances call answered Unavailable (503) for 1–4 intervals', { answer: 'Unavailable', page: 2 }),
  simulatorFaultKind({
    name: 'visibility-lag',
    summary: 'eventual consistency: instances launched during 2–5 intervals stay invisible to DescribeInstances (lists and by id) for 1–3 intervals after their launch',
    intervals: [2, 5],
    blind: 'platform',
    async arm(context) {
      const lagMs = Math.round(context.between(1, 3) * context.settings.tuning.intervalSeconds * 1000);
      const armed = await ec2Switch(context.stack.platform, '/_sim/visibility-lag', { seconds: lagMs / 1000 }, { seconds: 0 });
      return { ...armed, outOfSightAfterMs: lagMs };
    },
  }),
  simulatorFaultKind({
    name: 'auth-failure',
    summary: 'every call refused with AuthFailure (401) for 1–4 intervals, as when the bridge\'s key is deactivated and then reactivated',
    intervals: [1, 4],
    blind: 'platform',
    arm: (context) => ec2Switch(context.stack.platform, '/_sim/auth-failure', { enabled: true }, { enabled: false }),
  }),
];

/**
 * Full trials of each kind's own scenario: enough to mean something. The
 * issue's 50 SIGKILLs are made on OpenStack (`bridge-sigkill`); here 20 per
 * platform check that the restart path holds on vSphere and EC2 too.
 */
const fullTrialsOf = (kind: FaultKind): number => (kind === bridgeSigkill ? 20 : 10);

/** The group's scenarios on one platform: one mixed scenario (the short form's) and one per kind, full form only. */
function platformScenarios(platformName: 'vsphere' | 'ec2', platform: () => Promise<ChaosPlatform>, kinds: readonly FaultKind[], shortTrials: number): Scenario[] {
  return scenariosOfTable({
    mixedName: `${platformName}-faults-mixed`,
    verb: `makes it on ${platformName}`,
    mixedTrials: { short: shortTrials, full: 20 },
    kinds: kinds.map((kind) => ({ name: `${platformName}-${kind.name}`, summary: `on ${platformName}: ${kind.summary}`, fullTrials: fullTrialsOf(kind), trial: kind.trial })),
    platform,
    make: (context, kind) => kind.trial(context),
  });
}

/** Faults of the vSphere and EC2 platforms, and the bridge SIGKILLed while it polls them. */
export const otherPlatformScenarios: readonly Scenario[] = [
  ...platformScenarios('vsphere', () => startVspherePlatform(), vsphereFaultKinds, 3),
  ...platformScenarios('ec2', () => startEc2Platform(), ec2FaultKinds, 3),
];
