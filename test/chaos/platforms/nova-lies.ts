import type { RandomSource } from '../../simulators/common/index.js';
import type { TruthLog } from '../truth.js';
import { pickWeighted, type ControlCall, type StateWalker, type WalkStep } from './driver-kit.js';
import type { BloatSizes, HeldInstance, PlatformLies } from './lies.js';

/** A Nova server's state as `POST /_sim/servers/{id}/state` takes it. */
export interface NovaState {
  readonly vmState: string;
  readonly taskState: string | null;
}

/** What the Nova lies need from the OpenStack driver. */
export interface NovaLiesOptions {
  readonly control: ControlCall;
  readonly walker: StateWalker<NovaState>;
  readonly steps: Readonly<Record<string, readonly WalkStep<NovaState>[]>>;
  readonly keyOf: (state: NovaState) => string;
  /** The bridge's table: Nova status and task state → DCM status. */
  readonly dcmStatusOf: (status: string, taskState: string | null) => string;
  /** The next DCM id of the run's numbering. */
  readonly nextInstanceId: () => string;
}

interface ServerAnswer {
  readonly id: string;
  readonly status: string;
  readonly taskState: string | null;
}

const active: NovaState = { vmState: 'active', taskState: null };
const managedByTag = 'managed-by=dcm';
const instanceIdKey = 'dcm-instance-id';

/** A string of `length` characters that says what it is (so a log or event quoting it is recognisable). */
const filler = (label: string, length: number): string => (label + '-').repeat(Math.ceil(length / (label.length + 1))).slice(0, length);

/**
 * The lies of the Nova simulator (see {@link PlatformLies}), through its
 * control API: flapping states, a status from a later Nova (`newerStatus`),
 * servers carrying an odd or borrowed DCM id, bloated servers (names, 128
 * metadata items of 255 characters as Nova's quota and schema allow, 50
 * tags, fault messages and details).
 */
export function createNovaLies(options: NovaLiesOptions): PlatformLies {
  const { control, walker } = options;
  const held = new Map<string, { instanceId: string; state: NovaState; unknownStatus: boolean }>();

  const setState = async (platformId: string, state: NovaState | Record<string, unknown>): Promise<ServerAnswer> => (await control('POST', `/_sim/servers/${platformId}/state`, state)) as ServerAnswer;
  const heldOf = (instance: HeldInstance) => {
    const entry = held.get(instance.platformId);
    if (!entry) throw new Error(`instance ${instance.instanceId} is not held`);
    return entry;
  };
  /** A neighbour of `state` the churn's walk allows (never a deletion); ACTIVE when it has none. */
  const neighbour = (state: NovaState, random: RandomSource): NovaState => {
    const choices = (options.steps[options.keyOf(state)] ?? []).filter((step): step is WalkStep<NovaState> & { to: NovaState } => step.to !== 'deleted');
    return pickWeighted(choices, random)?.to ?? active;
  };
  const move = async (instance: HeldInstance, state: NovaState, truth: TruthLog): Promise<string> => {
    const answer = await setState(instance.platformId, state);
    const status = options.dcmStatusOf(answer.status, answer.taskState);
    truth.record(instance.instanceId, status, Date.now());
    Object.assign(heldOf(instance), { state, unknownStatus: false });
    return status;
  };

  return {
    hold(random, truth, minAgeMs, accept = () => true) {
      const knownSince = Date.now() - minAgeMs;
      const instance = walker.hold(random, (candidate) => (truth.history().get(candidate.instanceId)?.[0]?.at ?? Infinity) <= knownSince && accept(candidate.instanceId));
      if (!instance) return undefined;
      held.set(instance.platformId, { instanceId: instance.instanceId, state: instance.state, unknownStatus: false });
      return { platformId: instance.platformId, instanceId: instance.instanceId };
    },

    async flap(instance, random, truth, switches, gapMs) {
      const home = heldOf(instance).state;
      const away = neighbour(home, random);
      const statuses: string[] = [];
      for (let index = 0; index < switches; index++) {
        if (index > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        statuses.push(await move(instance, index % 2 === 0 ? away : home, truth));
      }
      return statuses;
    },

    async reportUnknownStatus(instance, status, truth) {
      // No task under way: a known task state would key the bridge's table instead of the status.
      const answer = await setState(instance.platformId, { newerStatus: status, taskState: null });
      if (answer.status !== status) throw new Error(`the simulator reports ${answer.status}, not the newer status ${status}`);
      // What the bridge's normalizer must make of a status its table lacks.
      truth.record(instance.instanceId, 'FAILED', Date.now());
      heldOf(instance).unknownStatus = true;
    },

    async release(instance, truth) {
      const entry = heldOf(instance);
      if (entry.unknownStatus) await move(instance, active, truth);
      // The churn walks on from where the lie left the instance.
      const live = walker.live.get(instance.platformId);
      if (live) live.state = entry.state;
      held.delete(instance.platformId);
      walker.release({ platformId: instance.platformId, instanceId: instance.instanceId, state: entry.state });
    },

    async remove(instance, truth) {
      heldOf(instance);
      await control('DELETE', `/_sim/servers/${instance.platformId}`);
      truth.record(instance.instanceId, 'DELETED', Date.now());
      held.delete(instance.platformId);
      walker.release({ platformId: instance.platformId, instanceId: instance.instanceId, state: active }, true);
    },

    async addBloated(sizes: BloatSizes, truth) {
      const instanceId = options.nextInstanceId();
      const metadata: Record<string, string> = { [instanceIdKey]: instanceId };
      for (let index = 0; index < sizes.metadataItems; index++) metadata[filler(`key${index}`, sizes.metadataChars)] = filler(`value${index}`, sizes.metadataChars);
      const tags = [managedByTag, ...Array.from({ length: sizes.extraTags }, (_, index) => filler(`tag${index}`, 60))];
      const state: NovaState = sizes.faultChars === undefined ? active : { vmState: 'error', taskState: null };
      const server = (await control('POST', '/_sim/servers', {
        name: filler(`bloated-${instanceId}`, sizes.nameChars),
        ...state,
        tags,
        metadata,
        ...(sizes.faultChars === undefined ? {} : { fault: { code: 404, message: filler('fault-message', sizes.faultChars), details: filler('fault-details', sizes.faultChars) } }),
      })) as ServerAnswer;
      truth.record(instanceId, options.dcmStatusOf(server.status, server.taskState), Date.now());
      walker.track({ platformId: server.id, instanceId, state });
      const instance = walker.hold(() => 0, (candidate) => candidate.platformId === server.id);
      if (!instance) throw new Error(`bloated server ${server.id} could not be held`);
      held.set(server.id, { instanceId, state, unknownStatus: false });
      return { platformId: server.id, instanceId };
    },

    async addImpostor(instanceId, random) {
      const state = neighbour(active, random);
      const server = (await control('POST', '/_sim/servers', { name: `impostor-${instanceId.slice(0, 40)}`, ...state, tags: [managedByTag], metadata: { [instanceIdKey]: instanceId } })) as ServerAnswer;
      return server.id;
    },

    async stepImpostor(platformId, random) {
      await setState(platformId, random() < 0.5 ? active : neighbour(active, random));
    },

    async removeImpostor(platformId) {
      await control('DELETE', `/_sim/servers/${platformId}`);
    },
  };
}
