/**
 * Nova's server states as data: `vm_state`, `task_state`, the numeric `power_state`,
 * and the table Nova derives the API `status` from (`nova/api/openstack/common.py`,
 * `_STATE_MAP`): the status is the task's entry of the vm_state's map, else its
 * `default`. So `ACTIVE` + `powering-off` still reads `ACTIVE`, and `ACTIVE` +
 * `deleting` too: only `OS-EXT-STS:task_state` tells that something is under way.
 */

/** `nova.compute.vm_states` values. */
export const VM_STATES = ['active', 'building', 'paused', 'suspended', 'stopped', 'rescued', 'resized', 'soft-delete', 'deleted', 'error', 'shelved', 'shelved_offloaded'] as const;

/** One of {@link VM_STATES}. */
export type VmState = (typeof VM_STATES)[number];

/** The `nova.compute.task_states` values the status table and the lifecycle helper use. */
export const TASK_STATES = [
  'scheduling',
  'block_device_mapping',
  'networking',
  'spawning',
  'image_snapshot',
  'updating_password',
  'resize_prep',
  'resize_migrating',
  'resize_migrated',
  'resize_finish',
  'resize_reverting',
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'rebooting_hard',
  'reboot_pending_hard',
  'reboot_started_hard',
  'pausing',
  'unpausing',
  'suspending',
  'resuming',
  'powering-off',
  'powering-on',
  'rescuing',
  'unrescuing',
  'rebuilding',
  'rebuild_block_device_mapping',
  'rebuild_spawning',
  'migrating',
  'deleting',
  'soft-deleting',
  'restoring',
  'shelving',
  'unshelving',
] as const;

/** One of {@link TASK_STATES}; `null` means no task under way. */
export type TaskState = (typeof TASK_STATES)[number];

/** `nova.compute.power_state` codes as `OS-EXT-STS:power_state` carries them. */
export const POWER_STATES = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

const ACTIVE_MAP: Readonly<Record<string, string>> = {
  default: 'ACTIVE',
  rebooting: 'REBOOT',
  reboot_pending: 'REBOOT',
  reboot_started: 'REBOOT',
  rebooting_hard: 'HARD_REBOOT',
  reboot_pending_hard: 'HARD_REBOOT',
  reboot_started_hard: 'HARD_REBOOT',
  updating_password: 'PASSWORD',
  rebuilding: 'REBUILD',
  rebuild_block_device_mapping: 'REBUILD',
  rebuild_spawning: 'REBUILD',
  migrating: 'MIGRATING',
  resize_prep: 'RESIZE',
  resize_migrating: 'RESIZE',
  resize_migrated: 'RESIZE',
  resize_finish: 'RESIZE',
};

/** Nova's `_STATE_MAP`: vm_state → task_state (or `default`) → API status. */
export const STATUS_TABLE: Readonly<Record<VmState, Readonly<Record<string, string>>>> = {
  active: ACTIVE_MAP,
  building: { default: 'BUILD' },
  stopped: {
    default: 'SHUTOFF',
    resize_prep: 'RESIZE',
    resize_migrating: 'RESIZE',
    resize_migrated: 'RESIZE',
    resize_finish: 'RESIZE',
    rebuilding: 'REBUILD',
    rebuild_block_device_mapping: 'REBUILD',
    rebuild_spawning: 'REBUILD',
  },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

/** Every status the table can produce, for validating the `status` list filter. */
export const STATUSES: ReadonlySet<string> = new Set(Object.values(STATUS_TABLE).flatMap((taskMap) => Object.values(taskMap)));

/**
 * The fault Nova embeds in a server that an asynchronous operation failed
 * (compute api-ref "Show Server Details", `fault`: code, created, message,
 * details; api-guide "Faults", asynchronous faults).
 */
export interface NovaFault {
  readonly code: number;
  readonly message: string;
  /** The stack trace; Nova shows it to non-admins only when `code` is not 500. */
  readonly details?: string;
  readonly created: number;
}

/**
 * The `status` a server's API views carry: Nova's derivation, unless the
 * server was given a status this simulator's Nova cannot derive
 * ({@link ServerRecord.newerStatus}).
 */
export function reportedStatus(server: Pick<ServerRecord, 'vmState' | 'taskState' | 'newerStatus'>): string {
  return server.newerStatus ?? statusOf(server.vmState, server.taskState);
}

/** The API `status` of a vm_state / task_state pair, as Nova derives it. */
export function statusOf(vmState: VmState, taskState: TaskState | null): string {
  const taskMap = STATUS_TABLE[vmState];
  return (taskState === null ? undefined : taskMap[taskState]) ?? taskMap.default ?? 'UNKNOWN';
}

/** The power state a vm_state usually goes with, for servers whose power state is not given. */
export function defaultPowerState(vmState: VmState): number {
  switch (vmState) {
    case 'active':
    case 'rescued':
    case 'resized':
      return POWER_STATES.RUNNING;
    case 'paused':
      return POWER_STATES.PAUSED;
    case 'suspended':
      return POWER_STATES.SUSPENDED;
    case 'building':
    case 'error':
    case 'shelved_offloaded':
      return POWER_STATES.NOSTATE;
    default:
      return POWER_STATES.SHUTDOWN;
  }
}

export function isVmState(value: string): value is VmState {
  return (VM_STATES as readonly string[]).includes(value);
}

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}

/** A simulated Nova server (an instance). Times are milliseconds of the injected clock. */
export interface ServerRecord {
  readonly id: string;
  name: string;
  vmState: VmState;
  taskState: TaskState | null;
  powerState: number;
  /** Server tags (microversion 2.26+): plain strings, at most 60 characters, no `/` or `,`. */
  tags: string[];
  metadata: Record<string, string>;
  description: string | null;
  locked: boolean;
  readonly createdAt: number;
  updatedAt: number;
  launchedAt: number | null;
  /** Set once the server is deleted; deleted servers only show in `changes-since` listings. */
  deletedAt: number | null;
  /**
   * The cells v2 cell whose database holds the server ({@link DEFAULT_CELL} unless placed).
   * When that cell is down, Nova cannot read the server (see `quirks.ts`).
   */
  cell: string;
  /** Set while the server is in a failed state: shown as `fault` when its status is ERROR or DELETED. */
  fault?: NovaFault | undefined;
  /**
   * A status from a later Nova release, reported instead of the derived one.
   * Nova has added statuses before (SHELVED and SHELVED_OFFLOADED came with
   * shelving, SOFT_DELETED with deferred delete), and the api-guide's
   * "Server status" list is not closed: a client must expect one it does not know.
   */
  newerStatus?: string | undefined;
}

/**
 * A time as Nova's database keeps it: its timestamp columns are MySQL `DATETIME` without
 * fractional seconds (oslo.db's `TimestampMixin`), and MySQL rounds the fraction away
 * (MySQL reference, "Fractional Seconds in Time Values"). `updated` and the
 * `changes-since`/`changes-before` comparisons see this value.
 */
export function databaseTime(milliseconds: number): number {
  return Math.round(milliseconds / 1000) * 1000;
}

/** The cell servers live in unless placed elsewhere (devstack's `cell1`). */
export const DEFAULT_CELL = 'cell1';

/** Nova's tag rules (api-ref "Server tags"): non-empty, at most 60 characters, no `/` and no `,`; at most 50 per server. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '' || tag.length > 60) {
    return `tag "${tag}" must be 1 to 60 characters`;
  }
  if (tag.includes('/') || tag.includes(',')) {
    return `tag "${tag}" must not contain "/" or ","`;
  }
  return undefined;
}

/** Most tags one server may carry. */
export const MAX_TAGS_PER_SERVER = 50;
