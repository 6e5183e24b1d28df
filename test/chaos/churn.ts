import type { RandomSource } from '../simulators/common/index.js';
import type { ChaosPlatform } from './platforms/platform.js';
import type { TruthLog } from './truth.js';

/** A running churn: simulated VMs changing state continuously. */
export interface Churn {
  /** Changes per second from now on; 0 pauses the churn. */
  setRate(changesPerSecond: number): void;
  /** Stops making changes and waits for the ones in flight, so the truth is final. */
  stop(): Promise<void>;
  /** Changes the simulator confirmed so far. */
  made(): number;
  /** Control API failures (the simulator's, not the bridge's): a run with any is not judged. */
  failures(): readonly string[];
}

/** Options of {@link startChurn}. */
export interface ChurnOptions {
  readonly platform: ChaosPlatform;
  readonly truth: TruthLog;
  readonly random: RandomSource;
  readonly changesPerSecond: number;
  /** Control requests in flight at once. Default 8. */
  readonly maxInFlight?: number;
}

/** How often the churn catches up with its rate. */
const tickMs = 25;

/**
 * Changes the platform at a steady rate through its control API (creations,
 * state steps, deletions; see the platform module), recording each confirmed
 * change in the truth log. The rate is kept on average: a tick makes the
 * changes that fell due since the rate was set.
 */
export function startChurn(options: ChurnOptions): Churn {
  const maxInFlight = options.maxInFlight ?? 8;
  let rate = options.changesPerSecond;
  let rateSince = Date.now();
  let launchedSinceRate = 0;
  let inFlight = 0;
  let made = 0;
  const failures: string[] = [];
  const pending = new Set<Promise<void>>();

  const launch = (): void => {
    inFlight++;
    const change = options.platform
      .change(options.random, options.truth)
      .then((changed) => void (changed && made++))
      .catch((error: unknown) => void failures.push(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        inFlight--;
        pending.delete(change);
      });
    pending.add(change);
  };

  const timer = setInterval(() => {
    const due = Math.floor((rate * (Date.now() - rateSince)) / 1000) - launchedSinceRate;
    const now = Math.min(due, maxInFlight - inFlight);
    for (let index = 0; index < now; index++) launch();
    if (now > 0) launchedSinceRate += now;
    // A churn that cannot keep up does not build a backlog to burst later.
    if (due > maxInFlight * 4) launchedSinceRate += due - now;
  }, tickMs);

  return {
    setRate(changesPerSecond) {
      rate = changesPerSecond;
      rateSince = Date.now();
      launchedSinceRate = 0;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
    made: () => made,
    failures: () => failures,
  };
}
