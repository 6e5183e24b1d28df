import type { AdapterDescription, ChangePage, ListingEnd, PlatformAdapter, PlatformConnection } from '../adapter/index.js';
import { BridgeError, ErrorCode, isBridgeError } from '../errors/index.js';

/**
 * An adapter whose platform code is loaded on demand: `description` serves
 * the configuration (schemas, checks, floor) from the start; `load` imports
 * the adapter's code the first time a connection of its platform lists or
 * confirms an absence. A bridge without an endpoint of the platform never
 * loads it, and opening a connection still does no I/O (the interface's
 * promise), not even an import.
 *
 * `load` runs once when it succeeds; a failed load (an `INTERNAL` error
 * naming the platform, the import's error as `cause`) fails only that call
 * and is tried again by the next one.
 *
 * A connection offers `listChanges` from the start when the description
 * says the endpoint's connections list changes (`listsChanges`), so the first
 * poll of a process may already resume from a stored cursor; without that
 * declaration, once its code is loaded and only if the loaded connection does.
 */
export function deferredAdapter(description: AdapterDescription, load: () => Promise<PlatformAdapter>): PlatformAdapter {
  let loaded: Promise<PlatformAdapter> | undefined;
  const adapterCode = (): Promise<PlatformAdapter> =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw isBridgeError(error) ? error : new BridgeError(ErrorCode.Internal, `the ${description.platform} adapter could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { platform: description.platform }, { cause: error });
    }));
  return {
    ...description,
    connect(endpoint, context) {
      let opened: Promise<PlatformConnection> | undefined;
      let live: PlatformConnection | undefined;
      const connection = (): Promise<PlatformConnection> =>
        (opened ??= adapterCode()
          .then((adapter) => (live = adapter.connect(endpoint, context)))
          .catch((error: unknown) => {
            opened = undefined;
            throw error;
          }));
      const declared = description.listsChanges?.(endpoint) === true;
      async function* changesOfLoaded(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd> {
        const loaded = await connection();
        if (!loaded.listChanges) throw new BridgeError(ErrorCode.Internal, `the ${description.platform} adapter declares incremental listing for endpoint ${endpoint.name} but its connection offers none`, { endpoint: endpoint.name, platform: description.platform });
        return yield* loaded.listChanges(cursor, signal);
      }
      return {
        async *list(signal) {
          yield* (await connection()).list(signal);
        },
        async confirmAbsence(platformIds, signal) {
          return (await connection()).confirmAbsence(platformIds, signal);
        },
        get listChanges() {
          if (declared) return changesOfLoaded;
          // Undeclared: known only from the loaded code, so the first poll of a process lists in full (a stored cursor is kept).
          const loaded = live;
          const listChanges = loaded?.listChanges;
          return loaded && listChanges ? listChanges.bind(loaded) : undefined;
        },
        async close() {
          // Nothing opened, nothing to release; a connection being opened is closed once it exists.
          const pending = opened;
          opened = undefined;
          live = undefined;
          await (await pending?.catch(() => undefined))?.close();
        },
      };
    },
  };
}
