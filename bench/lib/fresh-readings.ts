import { spawnSync } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** Garbage collections counted since {@link countCollections} or the last `reset()`. */
export interface CollectionCounts {
  readonly markCompacts: number;
  readonly scavenges: number;
  reset(): void;
}

/**
 * Counts this process's garbage collections as `PerformanceObserver` hears
 * them (a mark-compact is a major collection, a scavenge a minor one). The
 * observer hears a collection a little after it ran: wait a few ms before
 * the last reading.
 */
export function countCollections(): CollectionCounts {
  let markCompacts = 0;
  let scavenges = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    get markCompacts() {
      return markCompacts;
    },
    get scavenges() {
      return scavenges;
    },
    reset() {
      markCompacts = 0;
      scavenges = 0;
    },
  };
}

/**
 * Runs `script` once per variant and round, each in a fresh process (a heap's
 * state carries over from one reading to the next in one process), the
 * variants alternating; the variant is given in `env[variantVariable]`, and
 * each child prints its figures as one JSON line on stdout.
 * @throws Error naming the variant whose reading failed, with its stderr.
 */
export function readInFreshProcesses<Figures>(options: {
  readonly script: string;
  readonly args?: readonly string[];
  readonly variants: readonly string[];
  readonly variantVariable: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly rounds: number;
}): Figures[] {
  const results: Figures[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const variant of options.variants) {
      const child = spawnSync(process.execPath, [options.script, ...(options.args ?? [])], { env: { ...process.env, ...options.env, [options.variantVariable]: variant }, encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`the ${variant} reading failed: ${child.stderr}`);
      results.push(JSON.parse(child.stdout) as Figures);
    }
  }
  return results;
}
