import { Agent, request } from 'undici';
import { DEFAULT_CREDENTIALS as ec2Credentials } from '../../test/simulators/ec2/index.js';
import { DEFAULT_CREDENTIALS as openstackCredentials } from '../../test/simulators/openstack/index.js';
import { DEFAULT_CREDENTIALS as vsphereCredentials } from '../../test/simulators/vsphere/index.js';
import { startSimulatorProcess, type SimulatorProcess } from '../../test/support/cli-process.js';
import type { FetchFloorKind, FetchFloorSettings } from '../floors/fetch-floor.js';

/** The platforms the bench measures, in the order it runs them. */
export const benchPlatformNames = ['openstack', 'ec2', 'vsphere'] as const;
export type BenchPlatformName = (typeof benchPlatformNames)[number];
/** The simulators and endpoints the bench can set up: each platform, and vSphere's Web Services API path (custom attributes, `apiFlavor: vim`). */
export type BenchRecipeName = BenchPlatformName | 'vsphere-vim';

/** One platform's simulator process, seeded, and what the bench does with it. */
export interface BenchPlatform {
  readonly name: BenchRecipeName;
  readonly simulator: SimulatorProcess;
  /**
   * The bridge endpoint (an item of `endpoints:`), polling every
   * `intervalSeconds`; every platform request goes to `via` (a proxy in
   * front of the simulator) when given, else to the simulator.
   */
  endpointYaml(intervalSeconds: number, via?: string): string;
  /** Environment the endpoint's `${env:…}` credentials read. */
  readonly bridgeEnv: Readonly<Record<string, string>>;
  /** The fetch floors of this platform: `fetchFloor` the minimal client, `sdkFloor` EC2's SDK. */
  readonly fetchFloors: ReadonlyArray<{ readonly kind: FetchFloorKind; readonly slot: 'fetchFloor' | 'sdkFloor' }>;
  floorSettings(kind: FetchFloorKind, repeats: number, pageSize: number): FetchFloorSettings;
  /** Creates `count` DCM-managed VMs, all in the "on" state. */
  seed(count: number): Promise<void>;
  /** Moves every seeded VM to "off" (or back "on") through the control API, one call a VM. */
  changeAll(on: boolean, progress: (done: number) => void): Promise<void>;
  /** Moves the first `count` seeded VMs to "off" (or back "on"), one control call a VM. */
  changeSome(count: number, on: boolean): Promise<void>;
  /** Platform requests the simulator received since it started (`GET /_sim/stats` total: control calls are not counted). */
  requestCount(): Promise<number>;
  dispose(): Promise<void>;
}

/** Control calls in flight at once during a bulk change. */
const controlConcurrency = 32;

function controlCaller(url: string): { call: (method: 'POST' | 'GET', path: string, body?: unknown) => Promise<unknown>; close: () => Promise<void> } {
  const dispatcher = new Agent({ connections: controlConcurrency, keepAliveTimeout: 60_000 });
  return {
    async call(method, path, body) {
      const answer = await request(`${url}${path}`, { method, dispatcher, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await answer.body.text();
      if (answer.statusCode >= 300) throw new Error(`${method} ${path} answered ${answer.statusCode}: ${text.slice(0, 300)}`);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    },
    close: () => dispatcher.close(),
  };
}

async function eachLimited(ids: readonly string[], work: (id: string) => Promise<unknown>, progress: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(controlConcurrency, ids.length) }, async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await work(id);
        if (++done % 10_000 === 0) progress(done);
      }
    }),
  );
}

interface PlatformRecipe {
  /** The simulator CLI to start. */
  readonly simulator: BenchPlatformName;
  readonly simulatorArgs: readonly string[];
  /** `via` replaces the simulator's URL in every URL the bridge is given (OpenStack: also Nova's, instead of the catalog's). */
  endpointYaml(url: string, intervalSeconds: number, via?: string): string;
  readonly bridgeEnv: Readonly<Record<string, string>>;
  readonly fetchFloors: BenchPlatform['fetchFloors'];
  readonly credentials: Readonly<Record<string, string>>;
  /** seed-dcm's body and how to read the platform ids out of its answer. */
  seedBody(count: number): unknown;
  seededIds(answer: unknown): string[];
  /** The control call moving one VM on or off. */
  change(id: string, on: boolean): { path: string; body: unknown };
}

/** Each platform as data: the chaos drivers' endpoint YAML and seeding (test/chaos/platforms), bulk changes one control call a VM. */
const recipes: Readonly<Record<BenchRecipeName, PlatformRecipe>> = {
  openstack: {
    simulator: 'openstack',
    simulatorArgs: ['--servers', '0', '--tagged', '0', '--max-limit', '1000'],
    // The catalog names the simulator's own URL: through a proxy, Nova's URL is given instead (the simulator serves it under /compute).
    endpointYaml: (url, intervalSeconds, via) => `  - name: nova
    platform: openstack
    url: ${via ?? url}/identity/v3
    intervalSeconds: ${intervalSeconds}
${via === undefined ? '' : `    computeUrl: ${via}/compute/v2.1\n`}    credentials:
      username: ${openstackCredentials.username}
      password: \${env:BENCH_OS_PASSWORD}
      userDomainName: ${openstackCredentials.userDomainName}
      projectName: ${openstackCredentials.projectName}
      projectDomainName: ${openstackCredentials.projectDomainName}
`,
    bridgeEnv: { BENCH_OS_PASSWORD: openstackCredentials.password },
    fetchFloors: [{ kind: 'openstack', slot: 'fetchFloor' }],
    credentials: { username: openstackCredentials.username, password: openstackCredentials.password, userDomainName: openstackCredentials.userDomainName, projectName: openstackCredentials.projectName, projectDomainName: openstackCredentials.projectDomainName },
    seedBody: (count) => ({ count, tagged: count, vmState: 'active', namePrefix: 'bench' }),
    seededIds: (answer) => (answer as { servers: Array<{ serverId: string }> }).servers.map((server) => server.serverId),
    change: (id, on) => ({ path: `/_sim/servers/${id}/state`, body: { vmState: on ? 'active' : 'stopped' } }),
  },
  ec2: {
    simulator: 'ec2',
    simulatorArgs: ['--instances', '0', '--tagged', '0', '--region', 'us-east-1'],
    endpointYaml: (url, intervalSeconds, via) => `  - name: aws
    platform: ec2
    url: ${via ?? url}
    region: us-east-1
    intervalSeconds: ${intervalSeconds}
    credentials:
      accessKeyId: \${env:BENCH_AWS_ACCESS_KEY_ID}
      secretAccessKey: \${env:BENCH_AWS_SECRET_ACCESS_KEY}
`,
    bridgeEnv: { BENCH_AWS_ACCESS_KEY_ID: ec2Credentials.accessKeyId, BENCH_AWS_SECRET_ACCESS_KEY: ec2Credentials.secretAccessKey },
    fetchFloors: [
      { kind: 'ec2-raw', slot: 'fetchFloor' },
      { kind: 'ec2-sdk', slot: 'sdkFloor' },
    ],
    credentials: { accessKeyId: ec2Credentials.accessKeyId, secretAccessKey: ec2Credentials.secretAccessKey, region: 'us-east-1' },
    seedBody: (count) => ({ count, tagged: count, state: 'running' }),
    seededIds: (answer) => (answer as { instances: Array<{ instanceId: string }> }).instances.map((instance) => instance.instanceId),
    change: (id, on) => ({ path: `/_sim/instances/${id}/state`, body: { state: on ? 'running' : 'stopped' } }),
  },
  vsphere: {
    simulator: 'vsphere',
    simulatorArgs: ['--vms', '0', '--tagged', '0'],
    endpointYaml: (url, intervalSeconds, via) => `  - name: vcenter
    platform: vsphere
    url: ${via ?? url}
    intervalSeconds: ${intervalSeconds}
    credentials:
      username: ${vsphereCredentials.username}
      password: \${env:BENCH_VC_PASSWORD}
`,
    bridgeEnv: { BENCH_VC_PASSWORD: vsphereCredentials.password },
    fetchFloors: [{ kind: 'vsphere', slot: 'fetchFloor' }],
    credentials: { username: vsphereCredentials.username, password: vsphereCredentials.password },
    seedBody: (count) => ({ count, tagged: count, powerState: 'POWERED_ON', namePrefix: 'bench' }),
    seededIds: (answer) => (answer as { vms: Array<{ vmId: string }> }).vms.map((vm) => vm.vmId),
    change: (id, on) => ({ path: `/_sim/vms/${id}/power`, body: { state: on ? 'POWERED_ON' : 'POWERED_OFF' } }),
  },
  'vsphere-vim': {
    simulator: 'vsphere',
    simulatorArgs: ['--vms', '0', '--tagged', '0'],
    endpointYaml: (url, intervalSeconds, via) => `  - name: vcenter-vim
    platform: vsphere
    url: ${via ?? url}
    apiFlavor: vim
    intervalSeconds: ${intervalSeconds}
    credentials:
      username: ${vsphereCredentials.username}
      password: \${env:BENCH_VC_PASSWORD}
`,
    bridgeEnv: { BENCH_VC_PASSWORD: vsphereCredentials.password },
    fetchFloors: [],
    credentials: { username: vsphereCredentials.username, password: vsphereCredentials.password },
    // Marked by custom attributes only, as the Web Services API path selects them.
    seedBody: (count) => ({ count, tagged: count, powerState: 'POWERED_ON', namePrefix: 'bench', via: 'customAttribute' }),
    seededIds: (answer) => (answer as { vms: Array<{ vmId: string }> }).vms.map((vm) => vm.vmId),
    change: (id, on) => ({ path: `/_sim/vms/${id}/power`, body: { state: on ? 'POWERED_ON' : 'POWERED_OFF' } }),
  },
};

/** Starts the platform's simulator CLI as its own process, with no VMs yet. */
export async function startBenchPlatform(name: BenchRecipeName): Promise<BenchPlatform> {
  const recipe = recipes[name];
  const simulator = await startSimulatorProcess(recipe.simulator, recipe.simulatorArgs);
  const control = controlCaller(simulator.url);
  let ids: string[] = [];
  return {
    name,
    simulator,
    endpointYaml: (intervalSeconds, via) => recipe.endpointYaml(simulator.url, intervalSeconds, via),
    bridgeEnv: recipe.bridgeEnv,
    fetchFloors: recipe.fetchFloors,
    floorSettings: (kind, repeats, pageSize) => ({ kind, url: simulator.url, repeats, pageSize, credentials: recipe.credentials }),
    async seed(count) {
      ids = recipe.seededIds(await control.call('POST', '/_sim/seed-dcm', recipe.seedBody(count)));
      if (ids.length !== count) throw new Error(`seed-dcm created ${ids.length} VMs, not ${count}`);
    },
    changeAll: (on, progress) =>
      eachLimited(
        ids,
        (id) => {
          const { path, body } = recipe.change(id, on);
          return control.call('POST', path, body);
        },
        progress,
      ),
    async changeSome(count, on) {
      if (count > ids.length) throw new Error(`only ${ids.length} VMs were seeded, not ${count}`);
      await eachLimited(
        ids.slice(0, count),
        (id) => {
          const { path, body } = recipe.change(id, on);
          return control.call('POST', path, body);
        },
        () => undefined,
      );
    },
    async requestCount() {
      const stats = (await control.call('GET', '/_sim/stats')) as { total?: unknown };
      if (typeof stats.total !== 'number') throw new Error('the simulator\'s /_sim/stats has no total');
      return stats.total;
    },
    async dispose() {
      await control.close();
      await simulator.dispose();
    },
  };
}
