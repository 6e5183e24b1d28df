import { openstackStateTable, rawStateKey } from '../../../adapters/openstack/index.js';
import type { RandomSource } from '../../simulators/common/index.js';
import { DEFAULT_CREDENTIALS } from '../../simulators/openstack/index.js';
import { startSimulatorProcess, type SimulatorProcess } from '../../support/cli-process.js';
import type { TruthLog } from '../truth.js';
import type { ChaosPlatform } from './platform.js';

/** A Nova server's state as `POST /_sim/servers/{id}/state` takes it. */
interface NovaState {
  readonly vmState: string;
  readonly taskState: string | null;
}

/** Where a step leads: another state, or `DELETE` (Nova marks the server deleted; `GET /servers/{id}` answers 404). */
type StepTarget = NovaState | 'deleted';

const state = (vmState: string, taskState: string | null = null): NovaState => ({ vmState, taskState });
const keyOf = ({ vmState, taskState }: NovaState): string => `${vmState}/${taskState ?? '-'}`;

/**
 * The churn's walk through Nova states, as data: from each state, the steps
 * it may take and their weights. It follows what Nova's API lets a user do
 * (boot, stop, start, pause, unpause, delete; ERROR from a failed operation)
 * and reaches every DCM status the OpenStack table produces for them:
 * PROVISIONING (BUILD/spawning), RUNNING, STOPPING (powering-off), STOPPED,
 * PAUSED, FAILED (ERROR), DELETING (deleting) and DELETED.
 */
const novaSteps: Readonly<Record<string, ReadonlyArray<{ readonly to: StepTarget; readonly weight: number }>>> = {
  'building/spawning': [{ to: state('active'), weight: 1 }],
  'active/-': [
    { to: state('active', 'powering-off'), weight: 6 },
    { to: state('paused'), weight: 2 },
    { to: state('error'), weight: 1 },
  ],
  'active/powering-off': [{ to: state('stopped'), weight: 1 }],
  'stopped/-': [
    { to: state('active'), weight: 1 },
    { to: state('stopped', 'deleting'), weight: 1 },
  ],
  'paused/-': [{ to: state('active'), weight: 1 }],
  'error/-': [
    { to: state('active'), weight: 1 },
    { to: state('stopped', 'deleting'), weight: 1 },
  ],
  'stopped/deleting': [{ to: 'deleted', weight: 1 }],
};

/**
 * The states the estate starts in, so deletions, pauses and failures begin
 * with the churn instead of after a few walks from ACTIVE.
 */
const seedMix: ReadonlyArray<{ readonly share: number; readonly state: NovaState }> = [
  { share: 0.45, state: state('active') },
  { share: 0.15, state: state('paused') },
  { share: 0.2, state: state('stopped') },
  { share: 0.1, state: state('stopped', 'deleting') },
  { share: 0.1, state: state('building', 'spawning') },
];

/** Share of changes that create a server; about the share of steps that end in a deletion, so the estate keeps its size. */
const creationShare = 0.12;

/** The DCM status the bridge's OpenStack table gives a Nova status and task state. */
export function dcmStatusOfNova(status: string, taskState: string | null): string {
  const key = rawStateKey(status, taskState, openstackStateTable.entries);
  const mapped = key === undefined ? 'PROVISIONING' : openstackStateTable.entries[key];
  if (mapped === undefined) throw new Error(`the OpenStack table does not map Nova status ${status} (task ${String(taskState)})`);
  return mapped;
}

/** Options of {@link startOpenstackPlatform}. */
export interface OpenstackPlatformOptions {
  /** Bridge endpoint name. Default `nova`. */
  readonly endpointName?: string;
  /** Nova's `max_limit` (the page size): small pages make a listing several requests. Default 200. */
  readonly maxLimit?: number;
}

/**
 * The Keystone + Nova simulator as its own process (`test/simulators/openstack/cli.ts`),
 * changed only through its control API. The endpoint's password is the
 * simulator's, passed to the bridge as `${env:CHAOS_OS_PASSWORD}`.
 */
export async function startOpenstackPlatform(options: OpenstackPlatformOptions = {}): Promise<ChaosPlatform> {
  const endpointName = options.endpointName ?? 'nova';
  const simulator: SimulatorProcess = await startSimulatorProcess('openstack', ['--servers', '0', '--tagged', '0', '--max-limit', String(options.maxLimit ?? 200)]);
  const credentials = DEFAULT_CREDENTIALS;
  /** Live managed servers: Nova id → DCM id and the state last confirmed. */
  const live = new Map<string, { instanceId: string; state: NovaState }>();
  const busy = new Set<string>();
  let nextInstanceNumber = 1;

  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${simulator.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${method} ${path} answered ${response.status}: ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };

  const instanceIdOf = (number: number): string => `inst-${String(number).padStart(5, '0')}`;

  const create = async (truth: TruthLog): Promise<void> => {
    const instanceId = instanceIdOf(nextInstanceNumber++);
    const server = (await control('POST', '/_sim/servers', {
      name: `chaos-${instanceId}`,
      vmState: 'building',
      taskState: 'spawning',
      tags: ['managed-by=dcm'],
      metadata: { 'dcm-instance-id': instanceId },
    })) as { id: string; status: string; taskState: string | null };
    truth.record(instanceId, dcmStatusOfNova(server.status, server.taskState), Date.now());
    live.set(server.id, { instanceId, state: state('building', 'spawning') });
  };

  const step = async (serverId: string, random: RandomSource, truth: TruthLog): Promise<void> => {
    const server = live.get(serverId);
    if (!server) return;
    const choices = novaSteps[keyOf(server.state)] ?? [];
    const target = pickWeighted(choices, random)?.to;
    if (target === undefined) throw new Error(`the churn has no step from Nova state ${keyOf(server.state)}`);
    if (target === 'deleted') {
      await control('DELETE', `/_sim/servers/${serverId}`);
      truth.record(server.instanceId, 'DELETED', Date.now());
      live.delete(serverId);
      return;
    }
    const changed = (await control('POST', `/_sim/servers/${serverId}/state`, target)) as { status: string; taskState: string | null };
    truth.record(server.instanceId, dcmStatusOfNova(changed.status, changed.taskState), Date.now());
    server.state = target;
  };

  return {
    platform: 'openstack',
    endpointName,
    endpointYaml: (intervalSeconds) => `  - name: ${endpointName}
    platform: openstack
    url: ${simulator.url}/identity/v3
    intervalSeconds: ${intervalSeconds}
    credentials:
      username: ${credentials.username}
      password: \${env:CHAOS_OS_PASSWORD}
      userDomainName: ${credentials.userDomainName}
      projectName: ${credentials.projectName}
      projectDomainName: ${credentials.projectDomainName}
`,
    bridgeEnv: { CHAOS_OS_PASSWORD: credentials.password },
    secrets: [credentials.password],
    async seed(count, truth) {
      const seeded = (await control('POST', '/_sim/seed-dcm', { count, tagged: count, vmState: 'active', firstInstanceNumber: nextInstanceNumber, namePrefix: 'chaos-seed' })) as { servers: Array<{ serverId: string; instanceId: string }> };
      nextInstanceNumber += count;
      let position = 0;
      for (const { share, state: seededState } of seedMix) {
        const group = seeded.servers.slice(position, position + Math.round(share * count));
        position += group.length;
        for (const server of group) {
          const changed = keyOf(seededState) === 'active/-' ? { status: 'ACTIVE', taskState: null } : ((await control('POST', `/_sim/servers/${server.serverId}/state`, seededState)) as { status: string; taskState: string | null });
          live.set(server.serverId, { instanceId: server.instanceId, state: seededState });
          truth.record(server.instanceId, dcmStatusOfNova(changed.status, changed.taskState), Date.now(), { seeded: true });
        }
      }
      // Rounding may leave a few servers out of the groups: they stay ACTIVE.
      for (const server of seeded.servers.slice(position)) {
        live.set(server.serverId, { instanceId: server.instanceId, state: state('active') });
        truth.record(server.instanceId, dcmStatusOfNova('ACTIVE', null), Date.now(), { seeded: true });
      }
    },
    async change(random, truth) {
      if (random() < creationShare || live.size === 0) {
        await create(truth);
        return true;
      }
      const ids = [...live.keys()];
      for (let attempt = 0; attempt < 5; attempt++) {
        const serverId = ids[Math.floor(random() * ids.length)];
        if (serverId === undefined || busy.has(serverId)) continue;
        // One change at a time per server, so the truth's order is the simulator's.
        busy.add(serverId);
        try {
          await step(serverId, random, truth);
        } finally {
          busy.delete(serverId);
        }
        return true;
      }
      return false;
    },
    control: (method, path, body) => control(method, path, body),
    output: () => simulator.stdout() + simulator.stderr(),
    dispose: () => simulator.dispose(),
  };
}

function pickWeighted<T extends { readonly weight: number }>(choices: readonly T[], random: RandomSource): T | undefined {
  const total = choices.reduce((sum, choice) => sum + choice.weight, 0);
  let point = random() * total;
  for (const choice of choices) {
    point -= choice.weight;
    if (point < 0) return choice;
  }
  return choices.at(-1);
}
