import type { Clock, TimerHandle } from '../src/clock/index.js';
import { POWER_STATES, type SeededVm, type VsphereInventory } from '../test/simulators/vsphere/index.js';

/** A running power-state churn; `stop` cancels the next change. */
export interface PowerChurn {
  stop(): void;
}

export interface PowerChurnOptions {
  readonly inventory: VsphereInventory;
  /** The VMs whose state changes (the DCM-managed ones, so every change becomes an event). */
  readonly vms: readonly SeededVm[];
  readonly everyMs: number;
  readonly clock: Clock;
  /** Seeded, so two runs of the demo change the same VMs in the same order. */
  readonly random: () => number;
  /** Told about each change, for the operator watching. */
  readonly onChange: (vm: SeededVm, state: string) => void;
}

/** Every `everyMs`, moves one random VM to a power state other than its current one. */
export function startPowerChurn(options: PowerChurnOptions): PowerChurn {
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const vm = options.vms[Math.floor(options.random() * options.vms.length)];
    const current = vm ? options.inventory.getVm(vm.vmId)?.powerState : undefined;
    const others = POWER_STATES.filter((state) => state !== current);
    const state = others[Math.floor(options.random() * others.length)];
    if (vm && current && state) {
      options.inventory.setPowerState(vm.vmId, state);
      options.onChange(vm, state);
    }
    timer = options.clock.schedule(options.everyMs, tick);
  };
  timer = options.clock.schedule(options.everyMs, tick);
  return {
    stop() {
      if (timer) options.clock.cancel(timer);
      timer = undefined;
    },
  };
}
