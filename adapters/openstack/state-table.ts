import type { VmStatus } from '../../src/normalize/index.js';
import { defineStateTable, type StateTable } from '../../src/normalize/index.js';

/**
 * Prefix of the raw-state keys that come from `OS-EXT-STS:task_state`
 * (`task:powering-off`); keys without it are Nova `status` values (`SHUTOFF`).
 * Operators write the same spelling in `stateOverrides`.
 */
export const taskKeyPrefix = 'task:';

interface Entry {
  readonly status: VmStatus;
  /** The human wording in event messages; the README gives the reasons. */
  readonly description: string;
}

/**
 * Nova `status` → DCM status. Every status Nova's `_STATE_MAP` can produce is
 * here on purpose (reasons in README.md); a status added by a later Nova falls
 * to the core's unknown-state rule (FAILED, named, counted).
 */
const statusEntries: Readonly<Record<string, Entry>> = {
  BUILD: { status: 'PROVISIONING', description: 'BUILD, being created' },
  ACTIVE: { status: 'RUNNING', description: 'ACTIVE' },
  SHUTOFF: { status: 'STOPPED', description: 'SHUTOFF' },
  SHELVED: { status: 'STOPPED', description: 'SHELVED, powered off and kept on its host' },
  SHELVED_OFFLOADED: { status: 'STOPPED', description: 'SHELVED_OFFLOADED, powered off and removed from its host' },
  PAUSED: { status: 'PAUSED', description: 'PAUSED, held in hypervisor memory' },
  SUSPENDED: { status: 'PAUSED', description: 'SUSPENDED, saved to disk' },
  ERROR: { status: 'FAILED', description: 'ERROR' },
  DELETED: { status: 'DELETED', description: 'DELETED' },
  REBOOT: { status: 'RUNNING', description: 'REBOOT, a soft reboot' },
  HARD_REBOOT: { status: 'RUNNING', description: 'HARD_REBOOT, a power cycle' },
  RESIZE: { status: 'RUNNING', description: 'RESIZE, moving to a new flavor' },
  VERIFY_RESIZE: { status: 'RUNNING', description: 'VERIFY_RESIZE, resized and awaiting confirmation' },
  REVERT_RESIZE: { status: 'RUNNING', description: 'REVERT_RESIZE, returning to its old flavor' },
  MIGRATING: { status: 'RUNNING', description: 'MIGRATING, live migration to another host' },
  PASSWORD: { status: 'RUNNING', description: 'PASSWORD, its admin password is being set' },
  REBUILD: { status: 'PROVISIONING', description: 'REBUILD, being re-imaged' },
  RESCUE: { status: 'RUNNING', description: 'RESCUE, booted from a rescue image' },
  SOFT_DELETED: { status: 'DELETING', description: 'SOFT_DELETED, reclaimed after the grace period unless restored' },
  UNKNOWN: { status: 'FAILED', description: 'UNKNOWN, Nova cannot tell its state' },
};

/**
 * Task states that say more than the status they run under: Nova shows
 * `ACTIVE` while a server powers off and `SHUTOFF` while it is deleted.
 */
const taskEntries: Readonly<Record<string, Entry>> = {
  scheduling: { status: 'PROVISIONING', description: 'task scheduling, picking a host' },
  block_device_mapping: { status: 'PROVISIONING', description: 'task block_device_mapping, attaching volumes' },
  networking: { status: 'PROVISIONING', description: 'task networking, plugging ports' },
  spawning: { status: 'PROVISIONING', description: 'task spawning, booting the guest' },
  'powering-off': { status: 'STOPPING', description: 'task powering-off' },
  deleting: { status: 'DELETING', description: 'task deleting' },
  'soft-deleting': { status: 'DELETING', description: 'task soft-deleting' },
};

function buildTable(): StateTable {
  const entries: Record<string, VmStatus> = {};
  const descriptions: Record<string, string> = {};
  for (const [key, entry] of [...Object.entries(statusEntries), ...Object.entries(taskEntries).map(([task, value]) => [taskKeyPrefix + task, value] as const)]) {
    entries[key] = entry.status;
    descriptions[key] = entry.description;
  }
  return defineStateTable('openstack', entries, descriptions);
}

/** The OpenStack table: Nova statuses (`SHUTOFF`) and task states (`task:powering-off`) → DCM status. */
export const openstackStateTable: StateTable = buildTable();

/** Every Nova status the table maps (all of `_STATE_MAP`'s outputs plus UNKNOWN). */
export const novaStatuses: readonly string[] = Object.freeze(Object.keys(statusEntries));

/**
 * The raw-state key of one server: `task:<task_state>` when the table or the
 * endpoint's overrides know that task state, else the status as Nova spells it.
 * So an override of `task:rebooting` takes effect without touching the table.
 * Returns undefined when Nova reported no status yet.
 */
export function rawStateKey(status: string | undefined, taskState: string | null | undefined, known: Readonly<Record<string, unknown>>): string | undefined {
  if (taskState) {
    const taskKey = taskKeyPrefix + taskState;
    if (Object.hasOwn(known, taskKey)) return taskKey;
  }
  return status === undefined || status === '' ? undefined : status;
}
