import { createEc2Simulator, type InstanceStateName } from '../test/simulators/ec2/index.js';
import { createOpenstackSimulator, statusOf, type VmState } from '../test/simulators/openstack/index.js';
import { POWER_STATES, createVsphereSimulator } from '../test/simulators/vsphere/index.js';
import type { FaultSwitch } from '../test/simulators/common/index.js';

/** One simulated platform of the demo, seeded with DCM-managed and unmanaged instances. */
export interface DemoPlatform {
  /** Endpoint name, also used in the operator notes. */
  readonly name: string;
  /** Starts the simulator; resolves to its endpoint (YAML keys) and the variables its `${env:…}` references read. */
  start(): Promise<StartedDemoPlatform>;
  /** Moves one random managed instance to another state; returns the note for the operator. */
  churn(random: () => number): string | undefined;
  /** Deletes one managed instance (the churn leaves it alone from then on); undefined where the demo does not delete. */
  deleteOne?(random: () => number): { readonly instanceId: string; readonly note: string } | undefined;
  /** Down: every request, the sign-in included, answers 503 Service Unavailable; up: answers again. */
  setOutage(down: boolean): void;
  /** Stops the simulator; resolves to a closing note (sessions and tokens left open, say). */
  close(): Promise<string>;
}

export interface StartedDemoPlatform {
  readonly endpoint: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string>>;
  readonly banner: string;
}

/** Sizes of each demo platform: instances in all, and how many DCM manages. */
export const demoPlatformSize = { instances: 20, managed: 15 } as const;

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items[Math.floor(random() * items.length)];
}

/** A platform outage as the simulators' fault switch models it: 503 to every request until it ends. */
function setOutage(faults: FaultSwitch, down: boolean): void {
  if (down) faults.set([{ kind: 'http5xx', status: 503 }]);
  else faults.clear();
}

/**
 * How a demo vCenter marks DCM's VMs, and so which API the bridge reads it
 * through: tags over the REST API, or custom attributes over the Web Services
 * API (vim25, SOAP). Each mode gets its own vCenter and its own instance ids.
 */
const vsphereDemoModes = {
  tag: { name: 'vc-demo', envPrefix: 'DEMO_VSPHERE', firstInstanceNumber: 1, endpointKeys: {}, api: 'REST API', marking: 'tagged managed-by=dcm with a dcm-instance-id tag' },
  customAttribute: {
    name: 'vc-demo-attributes',
    envPrefix: 'DEMO_VSPHERE_ATTRIBUTES',
    firstInstanceNumber: 301,
    endpointKeys: { apiFlavor: 'vim', selector: { source: 'customAttribute' } },
    api: 'Web Services API (SOAP /sdk)',
    marking: 'with custom attributes managed-by=dcm and dcm-instance-id',
  },
} as const;

/** A vCenter whose managed VMs change power state, selected by tags (REST) or custom attributes (vim25). */
export function vsphereDemoPlatform(options: { seed: number; intervalSeconds: number; selection?: keyof typeof vsphereDemoModes }): DemoPlatform {
  const selection = options.selection ?? 'tag';
  const mode = vsphereDemoModes[selection];
  const simulator = createVsphereSimulator({ seed: options.seed });
  const managed = simulator
    .seedDcmVms({ count: demoPlatformSize.instances, tagged: demoPlatformSize.managed, via: selection, firstInstanceNumber: mode.firstInstanceNumber })
    .filter((vm) => vm.instanceId !== undefined);
  let close: (() => Promise<void>) | undefined;
  return {
    name: mode.name,
    async start() {
      const running = await simulator.start();
      close = running.close;
      return {
        endpoint: {
          name: mode.name,
          platform: 'vsphere',
          url: running.url,
          intervalSeconds: options.intervalSeconds,
          ...mode.endpointKeys,
          credentials: { username: `\${env:${mode.envPrefix}_USERNAME}`, password: `\${env:${mode.envPrefix}_PASSWORD}` },
        },
        env: { [`${mode.envPrefix}_USERNAME`]: simulator.credentials.username, [`${mode.envPrefix}_PASSWORD`]: simulator.credentials.password },
        banner: `vCenter simulator on ${running.url} (${mode.api}): ${demoPlatformSize.instances} VMs, ${demoPlatformSize.managed} ${mode.marking}`,
      };
    },
    churn(random) {
      const vm = pick(managed, random);
      const current = vm ? simulator.inventory.getVm(vm.vmId)?.powerState : undefined;
      const state = pick(POWER_STATES.filter((candidate) => candidate !== current), random);
      if (!vm || !current || !state) return undefined;
      simulator.inventory.setPowerState(vm.vmId, state);
      return `vCenter ${mode.name}: ${vm.vmId} (${vm.instanceId}) is now ${state}`;
    },
    deleteOne(random) {
      const vm = pick(managed, random);
      if (!vm?.instanceId || !simulator.inventory.removeVm(vm.vmId)) return undefined;
      managed.splice(managed.indexOf(vm), 1);
      return { instanceId: vm.instanceId, note: `vCenter ${mode.name}: ${vm.vmId} (${vm.instanceId}) deleted; it leaves the lists, and GET /api/vcenter/vm/${vm.vmId} answers 404` };
    },
    setOutage: (down) => setOutage(simulator.faults, down),
    async close() {
      await close?.();
      const sessions = simulator.sessionCounters();
      return `vCenter ${mode.name} sessions: ${sessions.logins} login(s), ${sessions.logouts} logout(s), ${sessions.active} left open`;
    },
  };
}

/** Nova states the OpenStack churn moves servers between (vm_state → the status DCM sees). */
const novaChurnStates: readonly VmState[] = ['active', 'stopped', 'paused'];

/** A Keystone + Nova with tagged servers moving between ACTIVE, SHUTOFF and PAUSED. */
export function openstackDemoPlatform(options: { intervalSeconds: number }): DemoPlatform {
  const simulator = createOpenstackSimulator();
  // DCM ids are unique across platforms: OpenStack's start at inst-00101.
  const managed = simulator.seedDcmServers({ count: demoPlatformSize.instances, tagged: demoPlatformSize.managed, firstInstanceNumber: 101 }).filter((server) => server.instanceId !== undefined);
  let close: (() => Promise<void>) | undefined;
  return {
    name: 'os-demo',
    async start() {
      const running = await simulator.start();
      close = running.close;
      const { credentials } = simulator;
      return {
        endpoint: {
          name: 'os-demo',
          platform: 'openstack',
          url: simulator.authUrl(),
          intervalSeconds: options.intervalSeconds,
          credentials: {
            username: credentials.username,
            password: '${env:DEMO_OPENSTACK_PASSWORD}',
            userDomainName: credentials.userDomainName,
            projectName: credentials.projectName,
            projectDomainName: credentials.projectDomainName,
          },
        },
        env: { DEMO_OPENSTACK_PASSWORD: credentials.password },
        banner: `Keystone + Nova simulator on ${running.url}: ${demoPlatformSize.instances} servers, ${demoPlatformSize.managed} tagged managed-by=dcm with dcm-instance-id metadata`,
      };
    },
    churn(random) {
      const server = pick(managed, random);
      const current = server ? simulator.servers.get(server.serverId)?.vmState : undefined;
      const vmState = pick(novaChurnStates.filter((candidate) => candidate !== current), random);
      if (!server || !current || !vmState) return undefined;
      const record = simulator.servers.setState(server.serverId, { vmState, taskState: null });
      return `Nova: ${server.name} (${server.instanceId}) is now ${statusOf(record.vmState, record.taskState)}`;
    },
    setOutage: (down) => setOutage(simulator.faults, down),
    async close() {
      await close?.();
      const tokens = simulator.tokenCounters();
      return `Keystone tokens issued: ${tokens.issued}`;
    },
  };
}

/** EC2 states the churn moves instances between; hibernation rides on `stopped`. */
const ec2ChurnStates: ReadonlyArray<{ readonly state: InstanceStateName; readonly hibernate?: boolean }> = [{ state: 'running' }, { state: 'stopped' }, { state: 'stopped', hibernate: true }];

/** An EC2 Query API (SigV4-checked) with tagged instances running, stopped or hibernated. */
export function ec2DemoPlatform(options: { intervalSeconds: number }): DemoPlatform {
  const simulator = createEc2Simulator();
  // DCM ids are unique across platforms: EC2's are inst-00201 and up.
  const managed = simulator
    .seedDcmInstances({ count: demoPlatformSize.instances, tagged: demoPlatformSize.managed, state: 'running' })
    .flatMap((instance, index) => {
      if (instance.dcmInstanceId === undefined) return [];
      const dcmInstanceId = `inst-${String(201 + index).padStart(5, '0')}`;
      simulator.inventory.setTags(instance.instanceId, { 'dcm-instance-id': dcmInstanceId });
      return [{ instanceId: instance.instanceId, dcmInstanceId }];
    });
  let close: (() => Promise<void>) | undefined;
  return {
    name: 'aws-demo',
    async start() {
      const running = await simulator.start();
      close = running.close;
      return {
        endpoint: {
          name: 'aws-demo',
          platform: 'ec2',
          url: running.url,
          region: simulator.region,
          intervalSeconds: options.intervalSeconds,
          credentials: { accessKeyId: simulator.credentials.accessKeyId, secretAccessKey: '${env:DEMO_AWS_SECRET_ACCESS_KEY}' },
        },
        env: { DEMO_AWS_SECRET_ACCESS_KEY: simulator.credentials.secretAccessKey },
        banner: `EC2 simulator on ${running.url}: ${demoPlatformSize.instances} instances, ${demoPlatformSize.managed} tagged managed-by=dcm with a dcm-instance-id tag`,
      };
    },
    churn(random) {
      const instance = pick(managed, random);
      const current = instance ? simulator.inventory.getInstance(instance.instanceId)?.state : undefined;
      const target = pick(ec2ChurnStates.filter((candidate) => candidate.state !== current), random);
      if (!instance || !current || !target) return undefined;
      simulator.inventory.setState(instance.instanceId, target.state, target.hibernate ? { reason: 'userHibernate' } : {});
      return `EC2: ${instance.instanceId} (${instance.dcmInstanceId}) is now ${target.state}${target.hibernate ? ' (hibernated)' : ''}`;
    },
    setOutage: (down) => setOutage(simulator.faults, down),
    async close() {
      await close?.();
      return 'EC2 simulator stopped';
    },
  };
}
