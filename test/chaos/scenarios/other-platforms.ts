import { startEc2Platform } from '../platforms/ec2.js';
import type { ChaosPlatform } from '../platforms/platform.js';
import { startVspherePlatform } from '../platforms/vsphere.js';
import type { FaultContext, Scenario } from '../scenario.js';
import { bridgeSigkillTrial } from './infrastructure.js';

/** A fault switched on the simulator, until {@link disarm}. */
interface ArmedFault {
  disarm(): Promise<void>;
  /** After disarming, how long some instances stay out of the bridge's sight (those launched during a visibility lag). */
  readonly outOfSightAfterMs?: number;
}

/**
 * One kind of platform fault, as data: its name, what it arms on the
 * simulator's control API, and how long it stays armed. Every kind keeps the
 * bridge from seeing the platform (or part of it): the trial opens a blind
 * window when it arms the fault and closes it once the fault is disarmed
 * and everything is in sight again, so states held only while hidden are
 * not owed to DCM (but a hidden instance reported DELETED still counts).
 */
interface SimulatorFault {
  readonly name: string;
  readonly summary: string;
  /** How long it stays armed, in the run's intervals, drawn uniformly. */
  readonly intervals: readonly [number, number];
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

/** The trial of a simulator fault: blind from arming until the bridge had time to recover from it. */
function simulatorFaultKind(fault: SimulatorFault): FaultKind {
  return {
    name: fault.name,
    summary: fault.summary,
    async trial(context) {
      const key = `platform fault ${fault.name}`;
      const lastsMs = context.between(...fault.intervals) * context.settings.tuning.intervalSeconds * 1000;
      context.stack.blindFrom(key);
      const armed = await fault.arm(context);
      context.note(`${fault.name} for ${(lastsMs / 1000).toFixed(1)} s`);
      await context.sleep(lastsMs);
      await armed.disarm();
      await context.sleep(armed.outOfSightAfterMs ?? 0);
      context.stack.blindUntilRecovered(key);
    },
  };
}

/** A control call repeated every `everyMs` until disarmed; a failure of it fails the trial at disarm. */
function repeatedCall(call: () => Promise<unknown>, everyMs: number): ArmedFault {
  let failure: unknown;
  const timer = setInterval(() => void call().catch((error: unknown) => (failure ??= error)), everyMs);
  void call().catch((error: unknown) => (failure ??= error));
  return {
    async disarm() {
      clearInterval(timer);
      if (failure !== undefined) throw failure;
    },
  };
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

/** Arms EC2 describe faults on every matching DescribeInstances call until disarmed (`times` large enough to outlast the fault). */
function describeFault(platform: ChaosPlatform, fault: { readonly answer: string; readonly page?: number }): Promise<ArmedFault> {
  return platform.control('POST', '/_sim/describe-faults', { faults: [{ ...fault, times: 1_000_000 }] }).then(() => ({ disarm: async () => void (await platform.control('DELETE', '/_sim/describe-faults')) }));
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
    summary: 'every vCenter session ended (POST /_sim/sessions/expire-all) at once and every 0.3 s for 1–3 intervals: polls meet 401 on any request and must log in again',
    intervals: [1, 3],
    arm: async (context) => repeatedCall(() => context.stack.platform.control('POST', '/_sim/sessions/expire-all'), 300),
  }),
  simulatorFaultKind({
    name: 'permission-scoped-few',
    summary: "3–8 % of the VMs (at least 1) hidden from the bridge's account for 2–5 intervals: left out of lists and tag associations, 403 on lookup",
    intervals: [2, 5],
    arm: (context) => hideVms(context, [0.03, 0.08], 1),
  }),
  simulatorFaultKind({
    name: 'permission-scoped-mass',
    summary: "25–40 % of the VMs (at least 10) hidden from the bridge's account for 2–5 intervals: the mass-deletion guard's case",
    intervals: [2, 5],
    arm: (context) => hideVms(context, [0.25, 0.4], 10),
  }),
];

/** EC2's fault table: the bridge's process, throttling and outages (also mid-pagination), eventual consistency, refused credentials. */
const ec2FaultKinds: readonly FaultKind[] = [
  bridgeSigkill,
  simulatorFaultKind({
    name: 'throttled',
    summary: 'every DescribeInstances call answered RequestLimitExceeded (503) for 1–4 intervals, the SDK retries included',
    intervals: [1, 4],
    arm: (context) => describeFault(context.stack.platform, { answer: 'RequestLimitExceeded' }),
  }),
  simulatorFaultKind({
    name: 'throttled-mid-pagination',
    summary: 'page 2 of every paged DescribeInstances call answered RequestLimitExceeded for 1–4 intervals: page 1 arrived, the list is never complete',
    intervals: [1, 4],
    arm: (context) => describeFault(context.stack.platform, { answer: 'RequestLimitExceeded', page: 2 }),
  }),
  simulatorFaultKind({
    name: 'unavailable-mid-pagination',
    summary: 'page 2 of every paged DescribeInstances call answered Unavailable (503) for 1–4 intervals',
    intervals: [1, 4],
    arm: (context) => describeFault(context.stack.platform, { answer: 'Unavailable', page: 2 }),
  }),
  simulatorFaultKind({
    name: 'visibility-lag',
    summary: 'eventual consistency: instances launched during 2–5 intervals stay invisible to DescribeInstances (lists and by id) for 1–3 intervals after their launch',
    intervals: [2, 5],
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
    arm: (context) => ec2Switch(context.stack.platform, '/_sim/auth-failure', { enabled: true }, { enabled: false }),
  }),
];

/** Each trial draws one kind of the table, uniformly. */
function mixedTrial(kinds: readonly FaultKind[]): (context: FaultContext) => Promise<void> {
  return async (context) => {
    const kind = kinds[Math.floor(context.random() * kinds.length)] ?? kinds[0];
    if (kind === undefined) throw new Error('a mixed scenario needs at least one fault kind');
    context.note(`drew ${kind.name}`);
    await kind.trial(context);
  };
}

/** Full trials of each kind's own scenario: the SIGKILL count the issue asks for, enough of the rest to mean something. */
const fullTrialsOf = (kind: FaultKind): number => (kind === bridgeSigkill ? 50 : 10);

/** The group's scenarios on one platform: one mixed scenario (the short form's) and one per kind, full form only. */
function platformScenarios(platformName: 'vsphere' | 'ec2', platform: () => Promise<ChaosPlatform>, kinds: readonly FaultKind[], shortTrials: number): Scenario[] {
  const mixedName = `${platformName}-faults-mixed`;
  return [
    {
      name: mixedName,
      summary: `on ${platformName}, each trial draws one fault of the platform's table: ${kinds.map((kind) => kind.name).join(', ')}`,
      trials: { short: shortTrials, full: 20 },
      platform,
      trial: mixedTrial(kinds),
    },
    ...kinds.map((kind) => ({
      name: `${platformName}-${kind.name}`,
      summary: `on ${platformName}: ${kind.summary}`,
      trials: { short: 0, full: fullTrialsOf(kind) },
      platform,
      fullOnlyBecause: `the short form draws this kind among the others in ${mixedName}`,
      trial: (context: FaultContext) => kind.trial(context),
    })),
  ];
}

/** Faults of the vSphere and EC2 platforms, and the bridge SIGKILLed while it polls them. */
export const otherPlatformScenarios: readonly Scenario[] = [
  ...platformScenarios('vsphere', () => startVspherePlatform(), vsphereFaultKinds, 3),
  ...platformScenarios('ec2', () => startEc2Platform(), ec2FaultKinds, 3),
];
