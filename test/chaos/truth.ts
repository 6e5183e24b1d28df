/** One stretch of an instance's life in DCM terms: `status` from `at` until the next entry. */
export interface TruthState {
  readonly status: string;
  /** Epoch ms when the platform's control API confirmed the change. */
  readonly at: number;
  /** Set for the states an instance had before the run's churn began. */
  readonly seeded: boolean;
}

/**
 * What the platform really did, per DCM instance id, in DCM's status enum:
 * the ground truth the judge compares deliveries with. Consecutive platform
 * states that map to one DCM status are one stretch (DCM cannot tell them apart).
 */
export interface TruthLog {
  /** Notes that `instanceId` is `status` since `at`; the same status again extends the stretch. */
  record(instanceId: string, status: string, at: number, options?: { seeded?: boolean }): void;
  /** Every instance's stretches, oldest first. */
  history(): ReadonlyMap<string, readonly TruthState[]>;
  /** The status an instance has now, or undefined for one never recorded. */
  current(instanceId: string): string | undefined;
}

/** Creates an empty {@link TruthLog}. */
export function createTruthLog(): TruthLog {
  const stretches = new Map<string, TruthState[]>();
  return {
    record(instanceId, status, at, options = {}) {
      const history = stretches.get(instanceId) ?? [];
      const last = history.at(-1);
      if (last?.status === status) return;
      if (last?.status === 'DELETED') throw new Error(`truth: ${instanceId} changed to ${status} after it was deleted`);
      history.push({ status, at, seeded: options.seeded === true });
      stretches.set(instanceId, history);
    },
    history: () => stretches,
    current: (instanceId) => stretches.get(instanceId)?.at(-1)?.status,
  };
}
