import type { PlatformAdapter } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { createPlatformHttpClient } from '../../src/platform-http/index.js';
import { confirmVmAbsence } from './absence.js';
import { vsphereProtocolOf, type ApiFlavorSetting } from './api-flavors.js';
import { createSelectionMemory, listManagedVms } from './listing.js';
import { describeVapiError } from './payloads.js';
import { vspherePlatform } from './platform.js';
import { vsphereAccountKey } from './rate-account.js';
import { createVsphereSession } from './session.js';
import { createTagDirectory } from './tag-directory.js';
import { createVcenterApi } from './vcenter-api.js';
import { createVimConnection, describeSoapFault } from './vim/index.js';

/** Tuning of the adapter; the defaults suit a real vCenter, tests make them small. */
export interface VsphereAdapterOptions {
  /** Per-request limit. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** VM ids per list call, at most 1,000 (6.5 refuses lists matching more). Default 1,000. */
  readonly vmBatchSize?: number;
  /** Tag ids per `list-attached-objects-on-tags` call. Default 1,000. */
  readonly tagBatchSize?: number;
  /** Requests in flight at once (tag name lookups, association calls, VM list calls) and sockets kept. Default 8. */
  readonly concurrency?: number;
  /** vim25 path: `maxObjects` of each RetrievePropertiesEx page (VMs per property request). Default 1,000. */
  readonly maxObjects?: number;
}

/** vCenter refuses a list matching more than 1,000 VMs on 6.5 (4,000 from 7.0); never ask for more. */
export const maxVmBatchSize = 1000;

/**
 * The vSphere adapter. DCM's VMs are found one of two ways (`selector.source`,
 * see {@link vsphereProtocolOf}): custom attributes `managed-by` = `dcm` and
 * `dcm-instance-id` read through the Web Services API (vim25, `vim/`), or
 * tags (`managed-by/dcm`, the instance id as the name of a tag in the
 * `dcm-instance-id` category) read through the REST tagging API. Names come
 * from the endpoint's selector. See adapters/vsphere/README.md.
 */
export function createVsphereAdapter(options: VsphereAdapterOptions = {}): PlatformAdapter {
  const vmBatchSize = Math.min(options.vmBatchSize ?? maxVmBatchSize, maxVmBatchSize);
  const tagBatchSize = options.tagBatchSize ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const maxObjects = options.maxObjects ?? 1000;
  return {
    ...vspherePlatform,
    connect(endpoint, context) {
      const protocol = vsphereProtocolOf(endpoint.options['apiFlavor'] as ApiFlavorSetting, endpoint.selector.source);
      // Validation refused every other combination; a connection is never opened for one.
      if ('problem' in protocol) throw new BridgeError(ErrorCode.ConfigInvalid, `vsphere endpoint ${endpoint.name}: ${protocol.path} ${protocol.problem}`, { endpoint: endpoint.name, platform: 'vsphere' });
      const http = createPlatformHttpClient({
        endpoint: endpoint.name,
        platform: 'vsphere',
        baseUrl: endpoint.url ?? '',
        tls: endpoint.tls,
        logger: context.logger,
        clock: context.clock,
        ...(context.onRequest ? { onRequest: context.onRequest } : {}),
        ...(context.targetCheck ? { targetCheck: context.targetCheck } : {}),
        ...(context.rateLimit ? { rateLimit: context.rateLimit(vsphereAccountKey(endpoint)) } : {}),
        ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        connections: concurrency,
        ...(protocol.api === 'vim' ? { describeErrorBytes: describeSoapFault } : { describeErrorBody: describeVapiError }),
      });
      if (protocol.api === 'vim') return createVimConnection(endpoint, http, context.logger, { maxObjects, absenceBatchSize: vmBatchSize, concurrency });
      const session = createVsphereSession({
        http,
        endpoint: endpoint.name,
        credentials: { username: endpoint.credentials['username'] ?? '', password: endpoint.credentials['password'] ?? '' },
        apiFlavor: protocol.flavor,
        logger: context.logger,
      });
      const api = createVcenterApi(session, endpoint.name);
      const directory = createTagDirectory({ api, selector: endpoint.selector, endpoint: endpoint.name, concurrency, logger: context.logger, store: context.store });
      const selections = createSelectionMemory();
      let closing: Promise<void> | undefined;
      return {
        list: (signal) => listManagedVms({ api, directory, selections, endpoint: endpoint.name, vmBatchSize, tagBatchSize, concurrency, logger: context.logger }, signal),
        confirmAbsence: (platformIds, signal) => confirmVmAbsence({ api, directory, endpoint: endpoint.name, vmBatchSize, tagBatchSize, concurrency, logger: context.logger }, platformIds, signal),
        close: () =>
          (closing ??= (async () => {
            await session.logout();
            await http.close();
          })()),
      };
    },
  };
}
