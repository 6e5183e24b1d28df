import type { Logger } from 'pino';
import type { AbsenceFinding, ChangePage, ListingEnd, PlatformConnection } from '../adapter/index.js';

export interface DeletionHoldOptions {
  /** Whether one of the endpoint's maintenance windows is open now. */
  readonly inWindow: () => boolean;
  /** The instances whose deletion was held just now. */
  readonly onHeld: (platformIds: readonly string[]) => void;
  readonly logger: Logger;
}

/**
 * The endpoint's connection with deletions held while a maintenance window
 * is open (a vCenter upgrade, a Nova cell migration: instances vanish and
 * the platform may even answer 404 for a while). The pipeline is unchanged;
 * only the platform's word on absences is withheld:
 * - `confirmAbsence` asks nothing and answers no finding, so every absent
 *   instance counts as `unknown`: its last state stands and it stays
 *   counted missing, to be asked about by the first poll after the window;
 * - an incremental listing's authoritative deletions are passed on as
 *   departures, which meet the same held confirmation.
 * After the window the differ's normal rules (missed lists, the
 * mass-deletion guard, the platform's confirmation) judge them again, so an
 * instance back in the list is never reported DELETED, and one still gone is
 * reported once.
 */
export function holdDeletionsInWindows(connection: PlatformConnection, options: DeletionHoldOptions): PlatformConnection {
  const { listChanges } = connection;
  const confirmAbsence = async (platformIds: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, AbsenceFinding>> => {
    if (!options.inWindow()) return connection.confirmAbsence(platformIds, signal);
    options.onHeld(platformIds);
    options.logger.info({ instances: platformIds.length }, `${platformIds.length} missing instance(s) not asked about: a maintenance window is open; the first poll after it asks the platform`);
    return new Map();
  };
  const held: PlatformConnection = {
    list: (signal) => connection.list(signal),
    confirmAbsence,
    close: () => connection.close(),
  };
  if (!listChanges) return held;
  return {
    ...held,
    listChanges: (cursor, signal) => passDeletionsAsDepartures(listChanges.call(connection, cursor, signal), options.inWindow),
  };
}

async function* passDeletionsAsDepartures(source: AsyncGenerator<ChangePage, ListingEnd>, inWindow: () => boolean): AsyncGenerator<ChangePage, ListingEnd> {
  let done = false;
  try {
    for (;;) {
      const step = await source.next();
      if (step.done) {
        done = true;
        return step.value;
      }
      const page = step.value;
      yield page.deleted.length > 0 && inWindow() ? { instances: page.instances, deleted: [], departed: [...page.departed, ...page.deleted.map((entry) => entry.platformId)] } : page;
    }
  } finally {
    // The consumer stopped early (a failure, an abort): let the adapter close its listing too.
    if (!done) await source.return(undefined as never).catch(() => undefined);
  }
}
