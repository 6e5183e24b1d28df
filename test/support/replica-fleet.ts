import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bridgeConfigYaml, spawnNodeScript, startBridgeRun, type BridgeCliProcess, type ChildNodeProcess } from './cli-process.js';
import { writeConfig, type Harness } from './harness.js';
import type { ReceivedMessage } from './jetstream-consumer.js';
import { parseRegistrationAccessKeyId, parseReplicaAccessKeyId, replicaAccessKeyId, REPLICA_SECRET_ACCESS_KEY } from './replica-fleet-keys.js';

/** The compiled EC2 simulator entry of the replica tests, next to this module. */
const replicaSimulatorScript = join(dirname(fileURLToPath(import.meta.url)), 'ec2-replica-simulator.js');

/** The EC2 states the replica tests move instances between, and what DCM must be told (adapters/ec2 state table). */
export const DCM_STATUS_OF = { running: 'RUNNING', stopped: 'STOPPED' } as const;
export type FleetInstanceState = keyof typeof DCM_STATUS_OF;

/** Options of {@link startReplicaFleet}. */
export interface ReplicaFleetOptions {
  readonly replicas: number;
  readonly endpoints: number;
  readonly instancesPerEndpoint: number;
  readonly intervalSeconds?: number;
  /** Keys inside `cluster: { enabled: true, replicaId: …, … }`; none: the documented defaults. */
  readonly cluster?: string;
  /** Keys inside `api: { listen: …, … }`. */
  readonly api?: string;
  /** Keys for this many registered endpoints (`reg-00` …, {@link registrationAccessKeyId}). */
  readonly registrations?: number;
  /** Environment of every bridge besides the EC2 secret. */
  readonly env?: Readonly<Record<string, string>>;
}

/** One managed instance of the fleet's simulator and every state the test gave it. */
export interface FleetInstance {
  /** Its `dcm-instance-id` (`ep-07-i1`): the `data.id` of its events. */
  readonly dcmId: string;
  readonly instanceId: string;
  readonly endpoint: string;
  /** Platform states in order, with the local time each was set (the first one at seeding). */
  readonly states: Array<{ readonly state: FleetInstanceState; readonly at: number }>;
}

/** Requests of one key the simulator announced together: one poll of one endpoint by one replica. */
export interface ObservedPoll {
  /** When the simulator saw it (at most 20 ms after it arrived). */
  readonly at: number;
  readonly endpoint: string;
  /** The replica whose key it was; -1 for a registered endpoint (one key for all). */
  readonly replica: number;
  readonly requests: number;
}

/** Three (or n) bridge CLI processes in cluster mode on one EC2 simulator process, one Redis and one NATS. */
export interface ReplicaFleet {
  readonly simulatorUrl: string;
  readonly namespace: string;
  /** Endpoint names, `ep-00` …, by number. */
  readonly endpoints: readonly string[];
  /** Bridge processes by replica number; `replicaIds[n]` is `replica-<n>`. */
  readonly bridges: readonly BridgeCliProcess[];
  readonly replicaIds: readonly string[];
  /** Managed instances by DCM id. */
  readonly instances: ReadonlyMap<string, FleetInstance>;
  /** Adds `count` running instances that endpoint `endpoint` selects (`managed-by=dcm-<endpoint>`), as the fleet's own. */
  addInstances(endpoint: string, count: number): Promise<void>;
  /** Moves an instance on the simulator (control API) and records it. */
  setState(dcmId: string, state: FleetInstanceState): Promise<void>;
  /** Platform polls seen so far (the simulator's per-key counts, as it announces them every 20 ms), oldest first. */
  polls(): readonly ObservedPoll[];
  /** Waits until requests that arrived before the call are in {@link polls}. */
  caughtUp(): Promise<void>;
  /** `dcm_bridge_owned_endpoints` and `dcm_bridge_cluster_members` of one replica, from its `/metrics`. */
  clusterMetrics(replica: number): Promise<{ readonly owned: number; readonly members: number }>;
  /** Who holds the lease of `endpoint` now, from Redis through replica `asked`'s status API. */
  ownerOf(endpoint: string, asked: number): Promise<{ readonly replica: string; readonly token: number } | undefined>;
  /** The replica that found itself alone when it joined (its log says so): the one that started the cluster. */
  founder(): number | undefined;
  /** Waits until every live replica (not in `gone`) sees the same members and all endpoints are held, each replica holding some; twice in a row a second apart. */
  settled(timeoutMs?: number, gone?: ReadonlySet<number>): Promise<void>;
  dispose(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 100 ms until true; rejects naming `what` after `timeoutMs`. Resolves to the milliseconds it took. */
export async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(100);
  }
  return Date.now() - started;
}

const endpointName = (endpoint: number): string => `ep-${String(endpoint).padStart(2, '0')}`;

/** The id the tests register endpoint number `registration` under (its key: {@link registrationAccessKeyId}). */
export const registrationEndpointName = (registration: number): string => `reg-${String(registration).padStart(2, '0')}`;

async function controlCall(url: string, method: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The value of an unlabelled or singly labelled sample in Prometheus text, summed over label sets. */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The `ec2` endpoint YAML of `endpoint` as replica `replica` writes it: its own key, selecting the endpoint's own instances. */
function endpointYaml(endpoint: number, replica: number, simulatorUrl: string, intervalSeconds: number): string {
  return `  - name: ${endpointName(endpoint)}
    platform: ec2
    url: ${simulatorUrl}
    region: us-east-1
    intervalSeconds: ${intervalSeconds}
    credentials: { accessKeyId: ${replicaAccessKeyId(replica, endpoint)}, secretAccessKey: "\${env:EC2_SECRET_ACCESS_KEY}" }
    selector: { managedByValue: dcm-${endpointName(endpoint)} }
`;
}

/**
 * Starts the fleet: the simulator process with `instancesPerEndpoint`
 * running instances per endpoint (`managed-by=dcm-ep-07`, `dcm-instance-id`
 * `ep-07-i1` …; each endpoint selects its own), then `replicas` bridge CLI
 * processes at once, each with its own config file that differs only in
 * `cluster.replicaId` and the access keys.
 */
export async function startReplicaFleet(harness: Harness, options: ReplicaFleetOptions): Promise<ReplicaFleet> {
  const simulator: ChildNodeProcess = spawnNodeScript(replicaSimulatorScript, ['--port', '0', '--replicas', String(options.replicas), '--endpoints', String(options.endpoints), '--registrations', String(options.registrations ?? 0)]);
  const [, simulatorUrl = ''] = await simulator.waitForLine('stdout', /listening on (https?:\/\/\S+)/);
  const endpoints = Array.from({ length: options.endpoints }, (_, index) => endpointName(index));
  const instances = new Map<string, FleetInstance>();
  const addInstances = async (endpoint: string, count: number): Promise<void> => {
    for (let index = 1; index <= count; index++) {
      const dcmId = `${endpoint}-i${index}`;
      const created = await controlCall(`${simulatorUrl}/_sim/instances`, 'POST', { state: 'running', tags: { 'managed-by': `dcm-${endpoint}`, 'dcm-instance-id': dcmId, Name: dcmId } });
      instances.set(dcmId, { dcmId, instanceId: String(created['instanceId']), endpoint, states: [{ state: 'running', at: Date.now() }] });
    }
  };
  for (const endpoint of endpoints) await addInstances(endpoint, options.instancesPerEndpoint);

  // The simulator prints when each key's requests arrived (ec2-replica-simulator.ts).
  const observed: ObservedPoll[] = [];
  let readUpTo = 0;
  const readPolls = (): ObservedPoll[] => {
    const output = simulator.stdout();
    const complete = output.lastIndexOf('\n') + 1;
    for (const line of output.slice(readUpTo, complete).split('\n')) {
      const match = /^requests (\S+) (\d+) (\d+)$/.exec(line);
      if (!match) continue;
      const owner = parseReplicaAccessKeyId(match[1] as string);
      const registration = parseRegistrationAccessKeyId(match[1] as string);
      const endpoint = owner ? endpointName(owner.endpoint) : registration !== undefined ? registrationEndpointName(registration) : undefined;
      if (endpoint) observed.push({ at: Number(match[3]), endpoint, replica: owner?.replica ?? -1, requests: Number(match[2]) });
    }
    readUpTo = Math.max(readUpTo, complete);
    return observed;
  };

  const namespace = `ns-fleet-${Date.now()}`;
  const replicaIds = Array.from({ length: options.replicas }, (_, replica) => `replica-${replica}`);
  const configs = replicaIds.map((replicaId, replica) =>
    writeConfig(
      harness,
      `${replicaId}.yaml`,
      bridgeConfigYaml({
        cacheUrl: harness.redis.url,
        natsUrl: harness.nats.url,
        namespace,
        ...(options.api ? { api: options.api } : {}),
        endpoints: endpoints.map((_, endpoint) => endpointYaml(endpoint, replica, simulatorUrl, options.intervalSeconds ?? 10)).join(''),
      }) + `cluster: { enabled: true, replicaId: ${replicaId}${options.cluster ? `, ${options.cluster}` : ''} }\n`,
    ),
  );
  const started = await Promise.allSettled(configs.map((config) => startBridgeRun(config, { env: { EC2_SECRET_ACCESS_KEY: REPLICA_SECRET_ACCESS_KEY, ...options.env }, listenTimeoutMs: 60_000 })));
  const bridges = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const dispose = async (): Promise<void> => {
    // For a look at what each replica did: REPLICA_FLEET_LOG_DIR=<dir> keeps their logs.
    const logDir = process.env['REPLICA_FLEET_LOG_DIR'];
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      bridges.forEach((bridge, replica) => writeFileSync(join(logDir, `${namespace}-replica-${replica}.log`), bridge.stderr()));
    }
    await Promise.all(bridges.map((bridge) => bridge.dispose()));
    await simulator.dispose();
  };
  const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) {
    await dispose();
    throw failed.reason;
  }

  const clusterMetrics: ReplicaFleet['clusterMetrics'] = async (replica) => {
    const text = await (await fetch(`${bridges[replica]?.apiUrl}/metrics`)).text();
    return { owned: metricValue(text, 'dcm_bridge_owned_endpoints'), members: metricValue(text, 'dcm_bridge_cluster_members') };
  };

  return {
    simulatorUrl,
    namespace,
    endpoints,
    bridges,
    replicaIds,
    instances,
    addInstances,
    async setState(dcmId, state) {
      const instance = instances.get(dcmId);
      if (!instance) throw new Error(`no instance ${dcmId}`);
      await controlCall(`${simulatorUrl}/_sim/instances/${instance.instanceId}/state`, 'POST', { state });
      instance.states.push({ state, at: Date.now() });
    },
    polls: readPolls,
    // Two announcement periods and the pipe: everything that arrived before the call is printed by then.
    caughtUp: () => sleep(250),
    clusterMetrics,
    async ownerOf(endpoint, asked) {
      const status = (await (await fetch(`${bridges[asked]?.apiUrl}/api/v1alpha1/endpoints/${endpoint}/status`)).json()) as { owner?: { replica: string; token: number } };
      return status.owner ? { replica: status.owner.replica, token: status.owner.token } : undefined;
    },
    founder() {
      const index = bridges.findIndex((bridge) => bridge.logLines().some((line) => /^joined the cluster as \S+: 1 member\(s\)$/.test(String(line['msg']))));
      return index < 0 ? undefined : index;
    },
    async settled(timeoutMs = 60_000, gone = new Set()) {
      const live = bridges.map((_, replica) => replica).filter((replica) => !gone.has(replica));
      const settledNow = async (): Promise<boolean> => {
        const views = await Promise.all(live.map((replica) => clusterMetrics(replica).catch(() => undefined)));
        return views.every((view) => view !== undefined && view.members === live.length && view.owned > 0) && views.reduce((sum, view) => sum + (view?.owned ?? 0), 0) === endpoints.length;
      };
      await until(`the ${live.length} replicas see each other and hold the ${endpoints.length} endpoints between them`, async () => (await settledNow()) && (await sleep(1000), await settledNow()), timeoutMs);
    },
    dispose,
  };
}

/** What {@link checkDcmAgainstPlatform} found. */
export interface DcmCheck {
  /** Events after the marker, and the platform transitions they had to carry. */
  readonly eventsAfterMarker: number;
  readonly transitionsAfterMarker: number;
  /** Human-readable problems; empty when DCM's view is right. */
  readonly problems: readonly string[];
}

/**
 * Compares DCM's stream with the platform, per instance: no CloudEvent id
 * twice; after `marker` (a stream sequence), the instance's events carry
 * exactly the platform states it went through since (set after
 * `markerAt`), each once and in order (nothing lost, nothing duplicated);
 * its last event says its current state.
 */
export function checkDcmAgainstPlatform(messages: readonly ReceivedMessage[], instances: ReadonlyMap<string, FleetInstance>, marker: number, markerAt: number): DcmCheck {
  const problems: string[] = [];
  const seenIds = new Map<string, number>();
  for (const message of messages) {
    const id = String(message.event['id']);
    const earlier = seenIds.get(id);
    if (earlier !== undefined) problems.push(`event id ${id} is in the stream twice (sequences ${earlier} and ${message.streamSequence})`);
    seenIds.set(id, message.streamSequence);
  }
  let eventsAfterMarker = 0;
  let transitionsAfterMarker = 0;
  for (const instance of instances.values()) {
    const events = messages.filter((message) => message.event.data.id === instance.dcmId);
    const after = events.filter((message) => message.streamSequence > marker).map((message) => message.event.data.status);
    const expected: string[] = [];
    let previous = DCM_STATUS_OF[instance.states.filter((change) => change.at <= markerAt).at(-1)?.state ?? 'running'];
    for (const change of instance.states.filter((change) => change.at > markerAt)) {
      const status = DCM_STATUS_OF[change.state];
      if (status !== previous) expected.push(status);
      previous = status;
    }
    eventsAfterMarker += after.length;
    transitionsAfterMarker += expected.length;
    if (after.join(',') !== expected.join(',')) {
      const detail = events.filter((message) => message.streamSequence > marker).map(({ event, streamSequence }) => ({ streamSequence, ...Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'specversion' && key !== 'datacontenttype')) }));
      problems.push(`${instance.dcmId} (${instance.endpoint}): DCM got [${after.join(', ')}] after the marker, the platform went through [${expected.join(', ')}] at ${JSON.stringify(instance.states.map((change) => [change.state, new Date(change.at).toISOString()]))}; events ${JSON.stringify(detail)}`);
    }
    const last = events.at(-1)?.event.data.status;
    const current = DCM_STATUS_OF[instance.states.at(-1)?.state ?? 'running'];
    if (last !== current) problems.push(`${instance.dcmId} (${instance.endpoint}): DCM's last event says ${last ?? 'nothing'}, the platform says ${current}`);
  }
  return { eventsAfterMarker, transitionsAfterMarker, problems };
}

/** DCM's last status per DCM instance id in `messages`. */
export function lastStatusById(messages: readonly ReceivedMessage[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const message of messages) last.set(message.event.data.id, message.event.data.status);
  return last;
}

/** A settled fleet whose DCM stream already matches the platform, with the stream position and time from which a test's events count. */
export interface MatchedFleet {
  readonly fleet: ReplicaFleet;
  /** True once DCM's last event of every instance is its platform state now. */
  dcmMatchesPlatform(): Promise<boolean>;
  readonly marker: number;
  readonly markerAt: number;
}

/**
 * Starts a fleet (disposed after the test), waits until it settled and DCM
 * heard every instance's state, and marks the stream there.
 */
export async function startMatchedFleet(harness: Harness, after: (dispose: () => Promise<void>) => void, options: ReplicaFleetOptions): Promise<MatchedFleet> {
  const fleet = await startReplicaFleet(harness, options);
  after(() => fleet.dispose());
  await fleet.settled();
  const dcmMatchesPlatform = async (): Promise<boolean> => {
    const last = lastStatusById(await harness.dcm.messages());
    return [...fleet.instances.values()].every((instance) => last.get(instance.dcmId) === DCM_STATUS_OF[instance.states.at(-1)?.state ?? 'running']);
  };
  await until('DCM heard of every instance', dcmMatchesPlatform, 30_000);
  const marker = Math.max(0, ...(await harness.dcm.messages()).map((message) => message.streamSequence));
  return { fleet, dcmMatchesPlatform, marker, markerAt: Date.now() };
}
