import type { TaskState, VmState } from './model.js';
import { InventoryError, type ServerStore } from './servers.js';

/** One stop of the lifecycle walk; `deleted` ends it (the server leaves the default listing). */
export interface LifecycleStep {
  readonly name: string;
  readonly vmState: VmState;
  readonly taskState: TaskState | null;
  /** The status Nova shows at this step. */
  readonly status: string;
}

/**
 * A server's life as Nova reports it, one step per call of {@link advanceLifecycle}:
 * BUILD (spawning) → ACTIVE → ACTIVE (powering-off) → SHUTOFF → SHUTOFF (deleting) → DELETED.
 */
export const LIFECYCLE: readonly LifecycleStep[] = [
  { name: 'building', vmState: 'building', taskState: 'spawning', status: 'BUILD' },
  { name: 'active', vmState: 'active', taskState: null, status: 'ACTIVE' },
  { name: 'powering-off', vmState: 'active', taskState: 'powering-off', status: 'ACTIVE' },
  { name: 'stopped', vmState: 'stopped', taskState: null, status: 'SHUTOFF' },
  { name: 'deleting', vmState: 'stopped', taskState: 'deleting', status: 'SHUTOFF' },
  { name: 'deleted', vmState: 'deleted', taskState: null, status: 'DELETED' },
];

/** The lifecycle step a server is at, or undefined when its state is off the walk. */
export function lifecycleStepOf(store: ServerStore, serverId: string): LifecycleStep | undefined {
  const server = store.get(serverId);
  return server === undefined ? undefined : LIFECYCLE.find((step) => step.vmState === server.vmState && step.taskState === server.taskState);
}

/**
 * Moves a server one step along {@link LIFECYCLE} and returns the step reached. The last
 * step marks it deleted: `GET /servers/{id}` answers 404, and only a `changes-since`
 * listing still shows it, with status DELETED.
 */
export function advanceLifecycle(store: ServerStore, serverId: string): LifecycleStep {
  const current = lifecycleStepOf(store, serverId);
  const index = current === undefined ? -1 : LIFECYCLE.indexOf(current);
  const next = LIFECYCLE[index + 1];
  if (current === undefined || next === undefined) {
    throw new InventoryError('invalid', `server ${serverId} is not on the lifecycle walk, or already at its end`);
  }
  if (next.vmState === 'deleted') {
    store.markDeleted(serverId);
  } else {
    store.setState(serverId, { vmState: next.vmState, taskState: next.taskState });
  }
  return next;
}
