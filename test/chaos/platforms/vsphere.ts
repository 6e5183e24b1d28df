import { vsphereStateTable } from '../../../adapters/vsphere/index.js';
import { DEFAULT_CREDENTIALS } from '../../simulators/vsphere/index.js';
import { startSimulatorProcess } from '../../support/cli-process.js';
import type { TruthLog } from '../truth.js';
import { apportionSeedMix, controlClient, createStateWalker, instanceIdOf, type LiveInstance, type SeedShare, type WalkStep } from './driver-kit.js';
import type { ChaosPlatform } from './platform.js';

/** A vCenter power state (`Vcenter.Vm.Power.State`), as `POST /_sim/vms/{vm}/power` takes it. */
type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

/**
 * The churn's walk through vCenter power states, as data, following the
 * vSphere Automation API's VM operations: `POST /vcenter/vm/{vm}/power?action=start`
 * (from off or suspended), `…?action=stop` (from on or suspended),
 * `…?action=suspend` (from on), and `DELETE /vcenter/vm/{vm}`, which
 * vCenter refuses for a VM that is powered on (`NotAllowedInCurrentState`),
 * so a deletion follows a stop. `POST /vcenter/vm` creates a VM powered off
 * (DCM's provisioning then attaches its tags). It reaches every DCM status
 * the vSphere table produces: RUNNING, STOPPED, PAUSED, and DELETED (a 404
 * after the deletion). The table's PROVISIONING is for a VM without a power
 * state, which the API never reports for a VM it lists.
 */
const powerSteps: Readonly<Record<PowerState, readonly WalkStep<PowerState>[]>> = {
  POWERED_ON: [
    { to: 'POWERED_OFF', weight: 5 },
    { to: 'SUSPENDED', weight: 2 },
  ],
  POWERED_OFF: [
    { to: 'POWERED_ON', weight: 2 },
    { to: 'deleted', weight: 1 },
  ],
  SUSPENDED: [
    { to: 'POWERED_ON', weight: 2 },
    { to: 'POWERED_OFF', weight: 1 },
  ],
};

/** The estate's starting states, so deletions and suspensions begin with the churn. */
const seedMix: readonly SeedShare<PowerState>[] = [
  { share: 0.6, state: 'POWERED_ON' },
  { share: 0.25, state: 'POWERED_OFF' },
  { share: 0.15, state: 'SUSPENDED' },
];

/** Share of changes that create a VM; about the share of steps that end in a deletion. */
const creationShare = 0.1;

/** The DCM status the bridge's vSphere table gives a power state (none reported: PROVISIONING, the core's rule). */
export function dcmStatusOfPowerState(powerState: string | undefined): string {
  if (powerState === undefined || powerState === '') return 'PROVISIONING';
  const mapped = vsphereStateTable.entries[powerState];
  if (mapped === undefined) throw new Error(`the vSphere table does not map power state ${powerState}`);
  return mapped;
}

/** Options of {@link startVspherePlatform}. */
export interface VspherePlatformOptions {
  /** Bridge endpoint name. Default `vcenter`. */
  readonly endpointName?: string;
  /**
   * How DCM marks its VMs and so which API the bridge reads: `tag` (default;
   * tags over the Automation REST API) or `customAttribute` (custom
   * attributes over the Web Services API, `apiFlavor: vim`, where the bridge
   * can poll incrementally through `WaitForUpdatesEx`).
   */
  readonly marking?: 'tag' | 'customAttribute';
}

/**
 * The vCenter simulator as its own process (`test/simulators/vsphere/cli.ts`),
 * changed only through its control API. DCM's VMs carry the tag `dcm` of
 * category `managed-by` and their id as a tag of category `dcm-instance-id`,
 * as the simulator's seed and the bridge's defaults name them; the password
 * reaches the bridge as `${env:CHAOS_VC_PASSWORD}`.
 */
export async function startVspherePlatform(options: VspherePlatformOptions = {}): Promise<ChaosPlatform> {
  const endpointName = options.endpointName ?? 'vcenter';
  const marking = options.marking ?? 'tag';
  const simulator = await startSimulatorProcess('vsphere', ['--vms', '0', '--tagged', '0']);
  const credentials = DEFAULT_CREDENTIALS;
  const control = controlClient(simulator.url);
  let nextInstanceNumber = 1;

  const setPower = async (vmId: string, state: PowerState): Promise<string> => ((await control('POST', `/_sim/vms/${vmId}/power`, { state })) as { powerState: string }).powerState;

  const walker = createStateWalker<PowerState>({
    steps: powerSteps,
    keyOf: (state) => state,
    creationShare,
    async create(truth) {
      const instanceId = instanceIdOf(nextInstanceNumber++);
      const vm = (await control('POST', '/_sim/vms', {
        name: `chaos-${instanceId}`,
        powerState: 'POWERED_OFF',
        tags:
          marking === 'tag'
            ? [
                { category: 'managed-by', tag: 'dcm' },
                { category: 'dcm-instance-id', tag: instanceId },
              ]
            : [],
      })) as { id: string; powerState: string };
      if (marking === 'customAttribute') {
        // The id first: a VM marked managed-by before it has its id would be listed without one.
        await control('POST', `/_sim/vms/${vm.id}/fields`, { name: 'dcm-instance-id', value: instanceId });
        await control('POST', `/_sim/vms/${vm.id}/fields`, { name: 'managed-by', value: 'dcm' });
      }
      truth.record(instanceId, dcmStatusOfPowerState(vm.powerState), Date.now());
      return { platformId: vm.id, instanceId, state: 'POWERED_OFF' };
    },
    async move(vm: LiveInstance<PowerState>, to, truth: TruthLog) {
      if (to === 'deleted') {
        await control('DELETE', `/_sim/vms/${vm.platformId}`);
        truth.record(vm.instanceId, 'DELETED', Date.now());
        return;
      }
      truth.record(vm.instanceId, dcmStatusOfPowerState(await setPower(vm.platformId, to)), Date.now());
    },
  });

  return {
    platform: 'vsphere',
    endpointName,
    endpointYaml: (intervalSeconds) => `  - name: ${endpointName}
    platform: vsphere
    url: ${simulator.url}
    intervalSeconds: ${intervalSeconds}
${marking === 'customAttribute' ? '    apiFlavor: vim\n    selector: { source: customAttribute }\n' : ''}    credentials:
      username: ${credentials.username}
      password: \${env:CHAOS_VC_PASSWORD}
`,
    bridgeEnv: { CHAOS_VC_PASSWORD: credentials.password },
    secrets: [credentials.password],
    refusedRegistration: (secret) => ({ credentials: { username: 'chaos-user', password: secret } }),
    async seed(count, truth) {
      const seeded = (await control('POST', '/_sim/seed-dcm', { count, tagged: count, powerState: 'POWERED_ON', namePrefix: 'chaos-seed', via: marking })) as { vms: Array<{ vmId: string; instanceId: string }> };
      nextInstanceNumber += count;
      for (const { item: vm, state } of apportionSeedMix(seeded.vms, seedMix)) {
        const powerState = state === 'POWERED_ON' ? state : await setPower(vm.vmId, state);
        walker.track({ platformId: vm.vmId, instanceId: vm.instanceId, state });
        truth.record(vm.instanceId, dcmStatusOfPowerState(powerState), Date.now(), { seeded: true });
      }
    },
    change: (random, truth) => walker.change(random, truth),
    livePlatformIds: () => [...walker.live.keys()],
    control,
    output: () => simulator.stdout() + simulator.stderr(),
    dispose: () => simulator.dispose(),
  };
}
