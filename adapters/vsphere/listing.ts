import type { Logger } from 'pino';
import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { chunks } from './chunks.js';
import { mapWithConcurrency } from '../../src/concurrency/index.js';
import type { TagDirectory } from './tag-directory.js';
import type { VcenterApi } from './vcenter-api.js';

export interface ListingOptions {
  readonly api: VcenterApi;
  readonly directory: TagDirectory;
  readonly endpoint: string;
  /** VM ids per `GET /vcenter/vm` call (vCenter refuses lists matching more than 4,000; 6.5 more than 1,000). */
  readonly vmBatchSize: number;
  /** Tag ids per `list-attached-objects-on-tags` call. */
  readonly tagBatchSize: number;
  /** Association calls in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
}

/** DCM's VMs by id → their instance id (null when they carry none, or more than one). */
type Selection = Map<string, string | null>;

/**
 * Lists DCM's VMs on one vCenter, one page per VM-list call:
 *
 * 1. the selector's tags by id ({@link TagDirectory}: one request per poll once warm);
 * 2. `list-attached-objects-on-tags` for the managed-by tag and every
 *    instance-id tag (ceil((tags + 1) / tagBatchSize) requests), giving the
 *    managed VMs and the instance id of each;
 * 3. `GET /vcenter/vm?vms=…` for the managed VMs, vmBatchSize ids a call, for
 *    name and power state.
 *
 * A managed VM that step 3 does not return (deleted in between, or no longer
 * visible to the account) is left out; after N complete lists without it the
 * core asks `confirmAbsence` (absence.ts) what became of it.
 * Every failure, and every answer that is not the documented one, throws; the
 * iteration never ends early.
 */
export async function* listManagedVms(options: ListingOptions, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const selection = await selectManagedVms(options, signal);
  for (const batch of chunks([...selection.keys()], options.vmBatchSize)) {
    const summaries = await options.api.listVms(batch, signal);
    const page: RawInstance[] = [];
    const seen = new Set<string>();
    for (const summary of summaries) {
      // Only what was asked for, once: the filter is the contract, not a hint.
      if (!selection.has(summary.vm) || seen.has(summary.vm)) continue;
      seen.add(summary.vm);
      page.push({ platformId: summary.vm, instanceId: selection.get(summary.vm) ?? undefined, rawState: summary.powerState, ...(summary.name ? { name: summary.name } : {}) });
    }
    yield page;
  }
}

async function selectManagedVms(options: ListingOptions, signal: AbortSignal): Promise<Selection> {
  const { api, directory, endpoint, logger } = options;
  for (let attempt = 1; ; attempt++) {
    const tags = await directory.resolve(signal);
    const batches = chunks([tags.managedByTagId, ...tags.instanceIdTags.keys()], options.tagBatchSize);
    const answers = (await mapWithConcurrency(batches, options.concurrency, (tagIds) => api.listAttachedObjectsOnTags(tagIds, signal))).flat();
    const managed = answers.find((answer) => answer.tagId === tags.managedByTagId);
    if (managed === undefined) {
      // vCenter leaves unknown tags out: the cached managed-by tag was deleted (maybe re-created). Never read that as "no VMs".
      if (attempt === 1) {
        logger.info('the managed-by tag id is no longer known to vCenter; looking the tags up again');
        directory.forget();
        continue;
      }
      throw new BridgeError(ErrorCode.ListIncomplete, `vsphere endpoint ${endpoint}: the managed-by tag disappeared while listing; nothing is listed, so nothing is deleted`, { endpoint, platform: 'vsphere' });
    }

    // One Map in the managed VMs' order, one string per VM; an array only for the rare VM carrying a second instance id (at 100k, three Map operations a VM, no other allocation).
    const selection: Selection = new Map();
    for (const vm of managed.vmIds) selection.set(vm, null);
    const instanceIdsOfAmbiguous = new Map<string, string[]>();
    for (const answer of answers) {
      const instanceId = tags.instanceIdTags.get(answer.tagId);
      if (instanceId === undefined) continue;
      for (const vm of answer.vmIds) {
        const current = selection.get(vm);
        if (current === undefined) continue; // not managed by DCM
        if (current === null) selection.set(vm, instanceId);
        else instanceIdsOfAmbiguous.set(vm, [...(instanceIdsOfAmbiguous.get(vm) ?? [current]), instanceId]);
      }
    }
    // Two instance ids on one VM (a MULTIPLE-cardinality category): picking one could report the wrong instance to DCM.
    const ambiguous = [...instanceIdsOfAmbiguous].map(([vm, instanceIds]) => ({ vm, instanceIds }));
    for (const vm of instanceIdsOfAmbiguous.keys()) selection.set(vm, null);
    if (ambiguous.length > 0) {
      logger.warn({ count: ambiguous.length, examples: ambiguous.slice(0, 5) }, 'VMs carrying more than one instance-id tag are not published; make the instance-id category single-cardinality');
    }
    return selection;
  }
}
