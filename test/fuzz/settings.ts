/**
 * How much the fuzz suites run and from which seed. `npm test` runs the
 * short form (defaults below); `npm run fuzz` sets FUZZ_RUNS=10000. A failed
 * run prints its seed (and fast-check's shrunk counterexample and path), and
 * `FUZZ_SEED=<seed> FUZZ_RUNS=<n>` replays it. `FUZZ_SEED=random` explores
 * from a fresh seed, printed with the figures.
 */
export interface FuzzSettings {
  readonly seed: number;
  /** Generated configurations loaded in-process. */
  readonly configRuns: number;
  /** Of those, how many also go through the built CLI's `validate-config` (one process each). */
  readonly cliRuns: number;
  /** Generated HTTP requests against a running API. */
  readonly apiRuns: number;
}

/** The recorded seed: the figures in the README come from it. */
export const recordedSeed = 20261110;

/** Short form, part of `npm test`. */
const shortRuns = 1000;

/** Reads FUZZ_SEED and FUZZ_RUNS from `env` (the test runner's environment). */
export function fuzzSettings(env: Readonly<Record<string, string | undefined>>): FuzzSettings {
  const runs = positiveInteger(env['FUZZ_RUNS'], 'FUZZ_RUNS') ?? shortRuns;
  const seedText = env['FUZZ_SEED'];
  const seed = seedText === 'random' ? Date.now() % 2 ** 31 : (integer(seedText, 'FUZZ_SEED') ?? recordedSeed);
  // One spawned CLI per hundred configs, at least 10: a process costs about a second.
  return { seed, configRuns: runs, cliRuns: Math.max(10, Math.ceil(runs / 100)), apiRuns: runs };
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer; got ${JSON.stringify(text)}`);
  return value;
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  const value = integer(text, name);
  if (value !== undefined && value < 1) throw new Error(`${name} must be at least 1; got ${value}`);
  return value;
}
