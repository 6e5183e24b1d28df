import { defineStateTable } from '../../src/normalize/index.js';

/**
 * EC2 `stateReason` codes that change what a state means for DCM, by the
 * qualifier appended to the raw state (`stopped:hibernate`). Codes from the
 * `StateReason` shape of the EC2 API reference. Every other reason (a user
 * shutdown, a scheduled retirement, a failed launch) leaves the plain state
 * and only reaches the event message through `detail`.
 */
export const stateReasonQualifiers: Readonly<Record<string, string>> = Object.freeze({
  'Client.UserInitiatedHibernate': 'hibernate',
  'Server.SpotInstanceShutdown': 'spot-interruption',
  'Server.SpotInstanceTermination': 'spot-interruption',
});

/**
 * EC2 instance state (`InstanceState.Name`, or `<state>:<qualifier>` for the
 * reasons above) → DCM status. The six plain names are every state the API
 * defines; reasons for each choice are in adapters/ec2/README.md ("State table").
 * `terminated` is authoritative (invariant 3): it is sent once, and the
 * instance vanishing from later lists sends nothing more, because the diff
 * never deletes an instance whose last status is already DELETED.
 */
export const ec2StateTable = defineStateTable(
  'ec2',
  {
    pending: 'PROVISIONING',
    running: 'RUNNING',
    stopping: 'STOPPING',
    stopped: 'STOPPED',
    'shutting-down': 'DELETING',
    terminated: 'DELETED',
    // Hibernation keeps RAM on the root volume and resumes where it left off:
    // halted, not stopped, like a suspended vSphere VM (SUSPENDED → PAUSED).
    'stopping:hibernate': 'STOPPING',
    'stopped:hibernate': 'PAUSED',
    // A Spot interruption is the platform's decision, not a fault of the VM:
    // same status as a user stop/terminate; the key lets operators say otherwise.
    'stopping:spot-interruption': 'STOPPING',
    'stopped:spot-interruption': 'STOPPED',
    'shutting-down:spot-interruption': 'DELETING',
    'terminated:spot-interruption': 'DELETED',
  },
  {
    pending: 'pending',
    running: 'running',
    stopping: 'stopping',
    stopped: 'stopped',
    'shutting-down': 'shutting down',
    terminated: 'terminated',
    'stopping:hibernate': 'hibernating',
    'stopped:hibernate': 'hibernated, memory saved to its root volume',
    'stopping:spot-interruption': 'stopping after a Spot interruption',
    'stopped:spot-interruption': 'stopped by a Spot interruption',
    'shutting-down:spot-interruption': 'shutting down after a Spot interruption',
    'terminated:spot-interruption': 'terminated by a Spot interruption',
  },
);

/**
 * The raw state key of an instance: `state:qualifier` when its reason has a
 * qualifier and the table (or the endpoint's overrides) knows that pair,
 * else the plain state, so an unforeseen pair still maps by its state.
 */
export function rawStateOf(state: string | undefined, reasonCode: string | undefined, overrides: Readonly<Record<string, unknown>> = {}): string | undefined {
  if (state === undefined || state === '') return undefined;
  const qualifier = reasonCode === undefined ? undefined : stateReasonQualifiers[reasonCode];
  if (qualifier === undefined) return state;
  const qualified = `${state}:${qualifier}`;
  return Object.hasOwn(ec2StateTable.entries, qualified) || Object.hasOwn(overrides, qualified) ? qualified : state;
}
