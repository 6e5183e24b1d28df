// Data of the simulated EC2 instances: states, state reasons and the instance record.

/**
 * Instance states and their codes, as the `InstanceState` shape of the EC2 API
 * reference lists them (the low byte of `code`; EC2 may set the high byte, which
 * clients must ignore).
 */
export const INSTANCE_STATE_CODES = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

/** One of EC2's six instance state names. */
export type InstanceStateName = keyof typeof INSTANCE_STATE_CODES;

/** Every state name, in the order of their codes. */
export const INSTANCE_STATE_NAMES = Object.keys(INSTANCE_STATE_CODES) as readonly InstanceStateName[];

/** True when the text is one of EC2's instance state names. */
export function isInstanceStateName(value: unknown): value is InstanceStateName {
  return typeof value === 'string' && Object.hasOwn(INSTANCE_STATE_CODES, value);
}

/**
 * The walk {@link Ec2Inventory.stepLifecycle} follows: launch, run, stop, then
 * terminate the stopped instance. Real EC2 also goes stopped → pending (start) and
 * running → shutting-down (terminate); `setState` reaches those directly.
 */
export const LIFECYCLE: readonly InstanceStateName[] = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'];

/** `stateReason` of an instance: EC2 sends `code` plus a message that repeats it. */
export interface StateReason {
  readonly code: string;
  readonly message: string;
}

/**
 * State reasons seen in the field, by a short name. Codes are those of the
 * `StateReason` shape in the EC2 API reference; messages are the texts EC2 shows
 * ("<code>: <text>"), e.g. the hibernation page of the EC2 user guide quotes
 * `Client.UserInitiatedHibernate: User initiated hibernate`.
 */
export const STATE_REASONS = {
  userShutdown: { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' },
  userHibernate: { code: 'Client.UserInitiatedHibernate', message: 'Client.UserInitiatedHibernate: User initiated hibernate' },
  instanceShutdown: { code: 'Client.InstanceInitiatedShutdown', message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' },
  spotTermination: { code: 'Server.SpotInstanceTermination', message: 'Server.SpotInstanceTermination: Spot instance termination' },
  spotShutdown: { code: 'Server.SpotInstanceShutdown', message: 'Server.SpotInstanceShutdown: Spot instance shutdown' },
  scheduledStop: { code: 'Server.ScheduledStop', message: 'Server.ScheduledStop: Stopped due to scheduled retirement' },
  insufficientCapacity: { code: 'Server.InsufficientInstanceCapacity', message: 'Server.InsufficientInstanceCapacity: Insufficient capacity to satisfy launch request' },
  serverInternalError: { code: 'Server.InternalError', message: 'Server.InternalError: Internal error on launch' },
  pending: { code: 'pending', message: 'pending' },
} as const satisfies Record<string, StateReason>;

/** A key of {@link STATE_REASONS}. */
export type StateReasonName = keyof typeof STATE_REASONS;

/** One EC2 tag. */
export interface Ec2Tag {
  readonly key: string;
  readonly value: string;
}

/** One simulated instance. Records are replaced, never mutated, so a page already built stays consistent. */
export interface InstanceRecord {
  readonly instanceId: string;
  readonly reservationId: string;
  readonly ownerId: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly privateIpAddress: string;
  readonly launchTime: Date;
  readonly state: InstanceStateName;
  readonly stateReason?: StateReason;
  /** `reason` (StateTransitionReason), e.g. `User initiated (2024-01-15 10:30:45 GMT)`; empty when none. */
  readonly transitionReason: string;
  /** Tags in insertion order; keys are unique. */
  readonly tags: readonly Ec2Tag[];
  /** When the instance entered `terminated` (ms), for the listing grace period. */
  readonly terminatedAt?: number;
  /** Insertion order; pagination cursors point at it so pages survive inserts and removals. */
  readonly seq: number;
}
