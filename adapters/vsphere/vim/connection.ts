import type { Logger } from 'pino';
import type { PlatformConnection } from '../../../src/adapter/index.js';
import type { EndpointConfig } from '../../../src/config/index.js';
import type { PlatformHttpClient } from '../../../src/platform-http/index.js';
import { confirmVimAbsence } from './absence.js';
import { createFieldDirectory } from './fields.js';
import { createContainerViews, listVimVms, type VimListingOptions } from './listing.js';
import { createVimSession } from './session.js';
import { createVimChangeListing } from './updates.js';

/** Tuning of a vim25 connection. */
export interface VimConnectionOptions {
  /** `maxObjects` of each property page. */
  readonly maxObjects: number;
  /** VMs per batched retrieval while confirming absence. */
  readonly absenceBatchSize: number;
  /** Single-VM lookups in flight at once while confirming absence. */
  readonly concurrency: number;
}

/**
 * A connection to one vCenter over the Web Services API (SOAP at `<url>/sdk`),
 * selecting DCM's VMs by custom attributes. `listChanges` lists through a
 * PropertyCollector filter (`WaitForUpdatesEx`, see updates.ts); `list` pages
 * RetrievePropertiesEx. `http` must describe SOAP Fault
 * error bodies ({@link describeSoapFault}); it is closed with the connection.
 */
export function createVimConnection(endpoint: EndpointConfig, http: PlatformHttpClient, logger: Logger, options: VimConnectionOptions): PlatformConnection {
  const session = createVimSession({ http, endpoint: endpoint.name, credentials: { username: endpoint.credentials['username'] ?? '', password: endpoint.credentials['password'] ?? '' }, logger });
  const fields = createFieldDirectory({ session, selector: endpoint.selector, endpoint: endpoint.name, logger });
  const views = createContainerViews(endpoint.name);
  const listing: VimListingOptions = { session, fields, views, selector: endpoint.selector, endpoint: endpoint.name, maxObjects: options.maxObjects, logger };
  const changes = createVimChangeListing(listing);
  let closing: Promise<void> | undefined;
  return {
    list: (signal) => listVimVms(listing, signal),
    listChanges: (cursor, signal) => changes.listChanges(cursor, signal),
    confirmAbsence: (platformIds, signal) => confirmVimAbsence({ session, fields, selector: endpoint.selector, endpoint: endpoint.name, batchSize: options.absenceBatchSize, concurrency: options.concurrency, logger }, platformIds, signal),
    close: () =>
      (closing ??= (async () => {
        await session.logout();
        await http.close();
      })()),
  };
}
