import { ec2StateTable, rawStateOf } from '../../../adapters/ec2/index.js';
import { DEFAULT_CREDENTIALS } from '../../simulators/ec2/index.js';
import { startSimulatorProcess } from '../../support/cli-process.js';
import { apportionSeedMix, controlClient, createStateWalker, instanceIdOf, type SeedShare, type WalkStep } from './driver-kit.js';
import type { ChaosPlatform } from './platform.js';

/** An EC2 instance state and the simulator's name of its `stateReason` (`STATE_REASONS`), when the step sets one. */
interface Ec2State {
  readonly name: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  readonly reason?: 'userHibernate' | 'spotShutdown' | 'spotTermination' | 'serverInternalError';
}

const state = (name: Ec2State['name'], reason?: Ec2State['reason']): Ec2State => (reason === undefined ? { name } : { name, reason });
const keyOf = ({ name, reason }: Ec2State): string => (reason === undefined ? name : `${name}/${reason}`);

/**
 * The churn's walk through EC2 instance states, as data, following what the
 * EC2 API lets a user do (RunInstances → pending; StartInstances from
 * stopped, hibernated included; StopInstances with and without
 * `Hibernate`; TerminateInstances from running or stopped) and what EC2 does
 * by itself (pending → running; a launch failing with
 * `Server.InternalError`; Spot interruptions that stop or terminate). It
 * reaches every DCM status the EC2 table produces: PROVISIONING (pending),
 * RUNNING, STOPPING, STOPPED, PAUSED (hibernated), DELETING (shutting-down)
 * and DELETED (terminated), through the hibernate and Spot keys too.
 */
const ec2Steps: Readonly<Record<string, readonly WalkStep<Ec2State>[]>> = {
  pending: [
    { to: state('running'), weight: 8 },
    { to: state('shutting-down', 'serverInternalError'), weight: 1 },
  ],
  running: [
    { to: state('stopping'), weight: 4 },
    { to: state('stopping', 'userHibernate'), weight: 2 },
    { to: state('stopping', 'spotShutdown'), weight: 1 },
    { to: state('shutting-down'), weight: 2 },
    { to: state('shutting-down', 'spotTermination'), weight: 1 },
  ],
  stopping: [{ to: state('stopped'), weight: 1 }],
  'stopping/userHibernate': [{ to: state('stopped', 'userHibernate'), weight: 1 }],
  'stopping/spotShutdown': [{ to: state('stopped', 'spotShutdown'), weight: 1 }],
  stopped: [
    { to: state('pending'), weight: 2 },
    { to: state('shutting-down'), weight: 1 },
  ],
  'stopped/userHibernate': [
    { to: state('pending'), weight: 2 },
    { to: state('shutting-down'), weight: 1 },
  ],
  'stopped/spotShutdown': [
    { to: state('pending'), weight: 1 },
    { to: state('shutting-down'), weight: 1 },
  ],
  'shutting-down': [{ to: 'deleted', weight: 1 }],
  'shutting-down/spotTermination': [{ to: 'deleted', weight: 1 }],
  'shutting-down/serverInternalError': [{ to: 'deleted', weight: 1 }],
};

/** The estate's starting states, so terminations and hibernations begin with the churn. */
const seedMix: readonly SeedShare<Ec2State>[] = [
  { share: 0.5, state: state('running') },
  { share: 0.2, state: state('stopped') },
  { share: 0.1, state: state('stopped', 'userHibernate') },
  { share: 0.1, state: state('pending') },
  { share: 0.1, state: state('shutting-down') },
];

/** Share of changes that launch an instance; about the share of steps that end in a termination. */
const creationShare = 0.1;

/** The DCM status the bridge's EC2 table gives a state and reason code, by the adapter's own key rule. */
export function dcmStatusOfEc2(stateName: string, reasonCode: string | undefined): string {
  const key = rawStateOf(stateName, reasonCode);
  const mapped = key === undefined ? 'PROVISIONING' : ec2StateTable.entries[key];
  if (mapped === undefined) throw new Error(`the EC2 table does not map state ${stateName} (reason ${String(reasonCode)})`);
  return mapped;
}

/** The simulator's answer about an instance (`instanceSummary`). */
interface InstanceSummary {
  readonly instanceId: string;
  readonly state: string;
  readonly stateReason: { readonly code: string } | null;
}

const statusOf = (summary: InstanceSummary): string => dcmStatusOfEc2(summary.state, summary.stateReason?.code);

/** Options of {@link startEc2Platform}. */
export interface Ec2PlatformOptions {
  /** Bridge endpoint name. Default `aws`. */
  readonly endpointName?: string;
  /**
   * The bridge's MaxResults (`CHAOS_EC2_PAGE_SIZE`, honoured by the suite's
   * test entry, so below the shipped floor): small pages make a listing
   * several calls, so a fault can strike mid-pagination. Default 100.
   */
  readonly pageSize?: number;
}

/**
 * The EC2 simulator as its own process (`test/simulators/ec2/cli.ts`),
 * changed only through its control API; the bridge's endpoint overrides the
 * SDK's URL with it and signs with the simulator's key pair, passed as
 * `${env:CHAOS_AWS_ACCESS_KEY_ID}` and `${env:CHAOS_AWS_SECRET_ACCESS_KEY}`.
 * DCM's instances carry the tags `managed-by=dcm` and `dcm-instance-id`.
 */
export async function startEc2Platform(options: Ec2PlatformOptions = {}): Promise<ChaosPlatform> {
  const endpointName = options.endpointName ?? 'aws';
  const region = 'us-east-1';
  const simulator = await startSimulatorProcess('ec2', ['--instances', '0', '--tagged', '0', '--region', region]);
  const credentials = DEFAULT_CREDENTIALS;
  const control = controlClient(simulator.url);
  let nextInstanceNumber = 1;

  const setState = async (instanceId: string, to: Ec2State): Promise<InstanceSummary> =>
    (await control('POST', `/_sim/instances/${instanceId}/state`, { state: to.name, ...(to.reason === undefined ? {} : { reason: to.reason }) })) as InstanceSummary;

  const walker = createStateWalker<Ec2State>({
    steps: ec2Steps,
    keyOf,
    creationShare,
    async create(truth) {
      const instanceId = instanceIdOf(nextInstanceNumber++);
      const launched = (await control('POST', '/_sim/instances', { state: 'pending', tags: { Name: `chaos-${instanceId}`, 'managed-by': 'dcm', 'dcm-instance-id': instanceId } })) as InstanceSummary;
      truth.record(instanceId, statusOf(launched), Date.now());
      return { platformId: launched.instanceId, instanceId, state: state('pending') };
    },
    async move(instance, to, truth) {
      // TerminateInstances ends a shutting-down instance terminated, its reason kept; EC2 lists it as terminated for a while.
      const changed = await setState(instance.platformId, to === 'deleted' ? { ...instance.state, name: 'terminated' } : to);
      truth.record(instance.instanceId, statusOf(changed), Date.now());
    },
  });

  return {
    platform: 'ec2',
    endpointName,
    endpointYaml: (intervalSeconds) => `  - name: ${endpointName}
    platform: ec2
    url: ${simulator.url}
    region: ${region}
    intervalSeconds: ${intervalSeconds}
    credentials:
      accessKeyId: \${env:CHAOS_AWS_ACCESS_KEY_ID}
      secretAccessKey: \${env:CHAOS_AWS_SECRET_ACCESS_KEY}
`,
    bridgeEnv: { CHAOS_AWS_ACCESS_KEY_ID: credentials.accessKeyId, CHAOS_AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, CHAOS_EC2_PAGE_SIZE: String(options.pageSize ?? 100) },
    secrets: [credentials.accessKeyId, credentials.secretAccessKey],
    // A key id the simulator does not know, so EC2 answers AuthFailure.
    refusedRegistration: (secret) => ({ region, credentials: { access_key_id: 'AKIACHAOSREFUSED0001', secret_access_key: secret } }),
    async seed(count, truth) {
      const seeded = (await control('POST', '/_sim/seed-dcm', { count, tagged: count, state: 'running' })) as { instances: Array<{ instanceId: string; dcmInstanceId: string }> };
      nextInstanceNumber += count;
      for (const { item, state: seededState } of apportionSeedMix(seeded.instances, seedMix)) {
        const status = keyOf(seededState) === 'running' ? dcmStatusOfEc2('running', undefined) : statusOf(await setState(item.instanceId, seededState));
        walker.track({ platformId: item.instanceId, instanceId: item.dcmInstanceId, state: seededState });
        truth.record(item.dcmInstanceId, status, Date.now(), { seeded: true });
      }
    },
    change: (random, truth) => walker.change(random, truth),
    livePlatformIds: () => [...walker.live.keys()],
    control,
    output: () => simulator.stdout() + simulator.stderr(),
    dispose: () => simulator.dispose(),
  };
}
