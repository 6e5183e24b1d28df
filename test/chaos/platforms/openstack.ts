import { openstackStateTable, rawStateKey } from '../../../adapters/openstack/index.js';
import { DEFAULT_CREDENTIALS } from '../../simulators/openstack/index.js';
import { startSimulatorProcess, type SimulatorProcess } from '../../support/cli-process.js';
import { apportionSeedMix, controlClient, createStateWalker, instanceIdOf, type SeedShare, type WalkStep } from './driver-kit.js';
import { createNovaLies, type NovaState } from './nova-lies.js';
import type { ChaosPlatform } from './platform.js';


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
const novaSteps: Readonly<Record<string, readonly WalkStep<NovaState>[]>> = {
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
const seedMix: readonly SeedShare<NovaState>[] = [
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
  const control = controlClient(simulator.url);
  let nextInstanceNumber = 1;

  const walker = createStateWalker<NovaState>({
    steps: novaSteps,
    keyOf,
    creationShare,
    async create(truth) {
      const instanceId = instanceIdOf(nextInstanceNumber++);
      const server = (await control('POST', '/_sim/servers', {
        name: `chaos-${instanceId}`,
        vmState: 'building',
        taskState: 'spawning',
        tags: ['managed-by=dcm'],
        metadata: { 'dcm-instance-id': instanceId },
      })) as { id: string; status: string; taskState: string | null };
      truth.record(instanceId, dcmStatusOfNova(server.status, server.taskState), Date.now());
      return { platformId: server.id, instanceId, state: state('building', 'spawning') };
    },
    async move(server, target, truth) {
      // DELETE: Nova marks the server deleted; `GET /servers/{id}` answers 404.
      if (target === 'deleted') {
        await control('DELETE', `/_sim/servers/${server.platformId}`);
        truth.record(server.instanceId, 'DELETED', Date.now());
        return;
      }
      const changed = (await control('POST', `/_sim/servers/${server.platformId}/state`, target)) as { status: string; taskState: string | null };
      truth.record(server.instanceId, dcmStatusOfNova(changed.status, changed.taskState), Date.now());
    },
  });

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
    // Full lists on every poll: these scenarios fault pages 2+ and absence confirmations, which only full lists have;
    // scenarios/incremental.ts runs the default incremental polls.
    bridgeEnv: { CHAOS_OS_PASSWORD: credentials.password, DCM_BRIDGE_DIFF_FULL_LIST_SECONDS: '0' },
    secrets: [credentials.password],
    lies: createNovaLies({ control, walker, steps: novaSteps, keyOf, dcmStatusOf: dcmStatusOfNova, nextInstanceId: () => instanceIdOf(nextInstanceNumber++) }),
    refusedRegistration: (secret) => ({ credentials: { username: 'chaos-user', password: secret, user_domain_name: 'Default', project_name: 'chaos', project_domain_name: 'Default' } }),
    async seed(count, truth) {
      const seeded = (await control('POST', '/_sim/seed-dcm', { count, tagged: count, vmState: 'active', firstInstanceNumber: nextInstanceNumber, namePrefix: 'chaos-seed' })) as { servers: Array<{ serverId: string; instanceId: string }> };
      nextInstanceNumber += count;
      for (const { item: server, state: seededState } of apportionSeedMix(seeded.servers, seedMix)) {
        const changed = keyOf(seededState) === 'active/-' ? { status: 'ACTIVE', taskState: null } : ((await control('POST', `/_sim/servers/${server.serverId}/state`, seededState)) as { status: string; taskState: string | null });
        walker.track({ platformId: server.serverId, instanceId: server.instanceId, state: seededState });
        truth.record(server.instanceId, dcmStatusOfNova(changed.status, changed.taskState), Date.now(), { seeded: true });
      }
    },
    change: (random, truth) => walker.change(random, truth),
    livePlatformIds: () => [...walker.live.keys()],
    control,
    output: () => simulator.stdout() + simulator.stderr(),
    dispose: () => simulator.dispose(),
  };
}

