import { defineStateTable } from '../../src/normalize/index.js';

/**
 * vCenter power state (`Vcenter.Vm.Power.State`, the `power_state` of a VM
 * summary) → DCM status. These three are every value the API defines; the
 * reasons for each choice are in adapters/vsphere/README.md ("State table").
 * A VM without a power state normalizes to PROVISIONING (the core's rule for
 * "not reported yet"); any other value to FAILED, naming it.
 *
 * The Web Services API (vim25) path reports through the same keys (its
 * `poweredOn`… are spelled as REST spells them, {@link vimPowerStateKeys}),
 * so one table and one set of `stateOverrides` serve both paths; it adds
 * `ORPHANED` and `INVALID` for the connection states that mean the VM is
 * broken ({@link vimConnectionStateRules}).
 */
export const vsphereStateTable = defineStateTable(
  'vsphere',
  {
    POWERED_ON: 'RUNNING',
    POWERED_OFF: 'STOPPED',
    // Memory saved to disk, resumable where it stopped: halted, not stopped.
    SUSPENDED: 'PAUSED',
    // vim25 only: vCenter knows the VM but no host runs it, or its configuration cannot be read at all; neither heals by waiting.
    ORPHANED: 'FAILED',
    INVALID: 'FAILED',
  },
  {
    POWERED_ON: 'powered on',
    POWERED_OFF: 'powered off',
    SUSPENDED: 'suspended',
    ORPHANED: 'orphaned: no longer registered on its host',
    INVALID: 'invalid: its configuration cannot be read',
  },
);

/** vim25 `VirtualMachinePowerState` → the key {@link vsphereStateTable} uses for it. Another value is passed on as it is (FAILED, named). */
export const vimPowerStateKeys: Readonly<Record<string, string>> = Object.freeze({
  poweredOn: 'POWERED_ON',
  poweredOff: 'POWERED_OFF',
  suspended: 'SUSPENDED',
});

/**
 * What a vim25 `runtime.connectionState` means for the state DCM is told:
 *
 * - `powerState`: report `runtime.powerState` (through {@link vimPowerStateKeys});
 * - `lastKnown`: vCenter cannot see the VM now and its powerState is only the
 *   last one it saw: the VM is reported present without a state
 *   (`RawInstance.stateUnavailable`), so DCM keeps the state it was told;
 * - `state`: report this raw state instead of the power state.
 *
 * A value not listed (a later release's) is reported as its own raw state,
 * which the table does not know: FAILED, naming it. Reasons: README "State table".
 */
export type ConnectionStateRule =
  | { readonly report: 'powerState' }
  | { readonly report: 'lastKnown'; readonly reason: string }
  | { readonly report: 'state'; readonly rawState: string };

export const vimConnectionStateRules: Readonly<Record<string, ConnectionStateRule>> = Object.freeze({
  connected: { report: 'powerState' },
  disconnected: { report: 'lastKnown', reason: "connectionState disconnected: its host is disconnected from vCenter, whose power state is the last it saw" },
  inaccessible: { report: 'lastKnown', reason: 'connectionState inaccessible: its configuration files cannot be reached now (the reference names transient disk failures)' },
  orphaned: { report: 'state', rawState: 'ORPHANED' },
  invalid: { report: 'state', rawState: 'INVALID' },
});

/** What the listing reports for a VM's vim25 power and connection states. */
export function vimStateReading(powerState: string, connectionState: string): { readonly rawState: string; readonly stateUnavailable?: string } {
  // Own keys only: a state named `constructor` is not a rule.
  const rule = Object.hasOwn(vimConnectionStateRules, connectionState) ? vimConnectionStateRules[connectionState] : undefined;
  const powerKey = Object.hasOwn(vimPowerStateKeys, powerState) ? (vimPowerStateKeys[powerState] as string) : powerState;
  if (rule === undefined) return { rawState: connectionState };
  if (rule.report === 'state') return { rawState: rule.rawState };
  if (rule.report === 'lastKnown') return { rawState: powerKey, stateUnavailable: rule.reason };
  return { rawState: powerKey };
}
