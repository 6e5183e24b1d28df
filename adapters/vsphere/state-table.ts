import { defineStateTable } from '../../src/normalize/index.js';

/**
 * vCenter power state (`Vcenter.Vm.Power.State`, the `power_state` of a VM
 * summary) → DCM status. These three are every value the API defines; the
 * reasons for each choice are in adapters/vsphere/README.md ("State table").
 * A VM without a power state normalizes to PROVISIONING (the core's rule for
 * "not reported yet"); any other value to FAILED, naming it.
 */
export const vsphereStateTable = defineStateTable(
  'vsphere',
  {
    POWERED_ON: 'RUNNING',
    POWERED_OFF: 'STOPPED',
    // Memory saved to disk, resumable where it stopped: halted, not stopped.
    SUSPENDED: 'PAUSED',
  },
  {
    POWERED_ON: 'powered on',
    POWERED_OFF: 'powered off',
    SUSPENDED: 'suspended',
  },
);
