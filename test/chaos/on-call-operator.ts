import { setTimeout as sleep } from 'node:timers/promises';
import type { TruthLog } from './truth.js';

/** What the operator needs of a fault run. */
export interface OnCallOperatorOptions {
  /** The running bridge's API base URL (it may be down between a kill and its restart). */
  readonly apiUrl: () => string;
  readonly endpoint: string;
  readonly readToken: string;
  readonly writeToken: string;
  /** The platform, as an operator would look at it. */
  readonly truth: TruthLog;
  /** DCM's view: the last status it was told per instance (its stream consumer's, which may lag). */
  readonly told: () => ReadonlyMap<string, string>;
  /** How often the endpoint's status is read. Default 1,000 ms. */
  readonly checkEveryMs?: number;
}

/** The operator on call during a fault run; see {@link startOnCallOperator}. */
export interface OnCallOperator {
  /** What the operator saw and did, one line each, for the report. */
  actions(): readonly string[];
  stop(): Promise<void>;
}

/** The `deletions_held` block of `GET /endpoints/{id}/status`. */
interface HeldDeletions {
  readonly known: number;
  readonly vanished: number;
}

/**
 * Follows the README's runbook for the mass-deletion guard, as the operator
 * on call would: when the endpoint's status says deletions are held, look at
 * the platform, and release them (`POST …/release-held-deletions`) when it
 * shows at least that many instances gone whose deletion DCM has not been
 * told. A hold the platform does not bear out (a list that lied, VMs hidden
 * from the bridge's account) is left for the list to recover.
 *
 * Why the fault suite needs one: an outage of the bridge's broker or cache
 * (or a loaded machine stretching the bridge's recovery) can last long
 * enough for the churn's real deletions to pass the guard's 20 %, and the
 * guard then holds them until someone confirms, by design. A release is
 * still checked by the bridge, which asks the platform about each vanished
 * instance; the judge counts any false DELETED a release caused.
 */
export function startOnCallOperator(options: OnCallOperatorOptions): OnCallOperator {
  const checkEveryMs = options.checkEveryMs ?? 1000;
  const actions: string[] = [];
  const stopping = new AbortController();
  let lastUnborneHold = '';

  // DCM's view (a stream consumer's) can lag the bridge's index after a broker restart, so an instance
  // DCM has not heard of yet counts too: the operator compares the platform with what DCM was told.
  const goneButNotTold = (): number => {
    const told = options.told();
    let count = 0;
    for (const instanceId of options.truth.history().keys()) if (options.truth.current(instanceId) === 'DELETED' && told.get(instanceId) !== 'DELETED') count++;
    return count;
  };

  const checkOnce = async (): Promise<void> => {
    const base = options.apiUrl();
    const response = await fetch(`${base}/api/v1alpha1/endpoints/${options.endpoint}/status`, { headers: { authorization: `Bearer ${options.readToken}` }, signal: stopping.signal });
    const held = ((await response.json()) as { deletions_held?: HeldDeletions }).deletions_held;
    if (!held) return;
    const gone = goneButNotTold();
    const at = new Date().toISOString().slice(11, 23);
    if (gone < held.vanished) {
      const hold = `${held.vanished} of ${held.known}`;
      if (hold !== lastUnborneHold) actions.push(`${at} the guard holds ${hold}; the platform shows ${gone} gone that DCM was not told: left held`);
      lastUnborneHold = hold;
      return;
    }
    const release = await fetch(`${base}/api/v1alpha1/endpoints/${options.endpoint}/release-held-deletions`, { method: 'POST', headers: { authorization: `Bearer ${options.writeToken}` }, signal: stopping.signal });
    await release.body?.cancel();
    actions.push(`${at} the guard holds ${held.vanished} of ${held.known}; the platform shows ${gone} gone that DCM was not told: released (${release.status})`);
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      // The bridge may be down (killed, restarting) or busy: the operator looks again later.
      await checkOnce().catch(() => undefined);
      await sleep(checkEveryMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();

  return {
    actions: () => actions,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
