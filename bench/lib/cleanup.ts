/**
 * Everything the bench started (processes, servers, temp dirs), undone in
 * reverse order on the way out: normally, on an error, and on Ctrl-C or
 * SIGTERM, so no redis-server, nats-server, simulator or bridge outlives it.
 */
export interface Cleanup {
  /** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
  add(label: string, undo: () => Promise<void> | void): () => Promise<void>;
  /** Runs every registered step, newest first; errors are reported, not thrown. */
  runAll(): Promise<void>;
  /** Runs {@link runAll} on SIGINT and SIGTERM, then exits 130 / 143. */
  onSignals(report: (line: string) => void): void;
}

export function createCleanup(): Cleanup {
  const steps: Array<{ label: string; undo: () => Promise<void> | void }> = [];
  const run = async (step: { label: string; undo: () => Promise<void> | void }, report?: (line: string) => void): Promise<void> => {
    const index = steps.indexOf(step);
    if (index < 0) return;
    steps.splice(index, 1);
    try {
      await step.undo();
    } catch (error) {
      report?.(`cleanup of ${step.label} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const cleanup: Cleanup = {
    add(label, undo) {
      const step = { label, undo };
      steps.push(step);
      return () => run(step);
    },
    async runAll() {
      for (const step of [...steps].reverse()) await run(step, (line) => process.stderr.write(`${line}\n`));
    },
    onSignals(report) {
      for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
        process.once(signal, () => {
          report(`${signal}: stopping every process the bench started`);
          void cleanup.runAll().finally(() => process.exit(code));
        });
      }
    },
  };
  return cleanup;
}
