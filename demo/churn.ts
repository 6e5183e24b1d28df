import type { Clock, TimerHandle } from '../src/clock/index.js';
import type { DemoPlatform } from './platforms.js';

/** A running state churn; `stop` cancels the next change. */
export interface StateChurn {
  stop(): void;
}

export interface StateChurnOptions {
  readonly platforms: readonly DemoPlatform[];
  readonly everyMs: number;
  readonly clock: Clock;
  /** Seeded, so two runs of the demo change the same instances in the same order. */
  readonly random: () => number;
  /** Told about each change, for the operator watching. */
  readonly onChange: (note: string) => void;
}

/** Every `everyMs`, one random platform moves one of its managed instances to another state. */
export function startStateChurn(options: StateChurnOptions): StateChurn {
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const platform = options.platforms[Math.floor(options.random() * options.platforms.length)];
    const note = platform?.churn(options.random);
    if (note) options.onChange(note);
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
