import type { Logger } from 'pino';
import type { RawInstance } from '../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { chunks } from './lists.js';
import { mapAhead, mapWithConcurrency } from '../../src/concurrency/index.js';
import type { TagAttachments } from './payloads.js';
import type { SelectorTags, TagDirectory } from './tag-directory.js';
import type { VcenterApi } from './vcenter-api.js';

export interface ListingOptions {
  readonly api: VcenterApi;
  readonly directory: TagDirectory;
  /** The connection's last selection ({@link createSelectionMemory}). */
  readonly selections: SelectionMemory;
  readonly endpoint: string;
  /** VM ids per `GET /vcenter/vm` call (vCenter refuses lists matching more than 4,000; 6.5 more than 1,000). */
  readonly vmBatchSize: number;
  /** Tag ids per `list-attached-objects-on-tags` call. */
  readonly tagBatchSize: number;
  /** Association calls, and VM list calls, in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
}

/** DCM's VMs by id → their instance id (null when they carry none, or more than one). */
type Selection = ReadonlyMap<string, string | null>;

/** VMs carrying more than one instance-id tag, as the warning names them. */
type Ambiguous = ReadonlyArray<{ readonly vm: string; readonly instanceIds: readonly string[] }>;

/**
 * One connection's last selection and the answers it was made from. A
 * selection is a function of the tag names and the association answers, so
 * the same answers again (a steady estate: power states change, tags do not)
 * give the same selection without building a 100k-entry Map; telling that
 * they are the same costs one string comparison a VM.
 */
export interface SelectionMemory {
  last: RememberedSelection | undefined;
}

interface RememberedSelection {
  /** The directory's names it was made under: the same Map object while the instance-id tags did not change. */
  readonly instanceIdTags: ReadonlyMap<string, string>;
  readonly managedByTagId: string;
  /** Every answer's VM ids one after the other, the answers in the order their tags were asked for. */
  readonly vmIds: readonly string[];
  /** How many of {@link vmIds} each answer held. */
  readonly vmCounts: Uint32Array;
  readonly selection: Selection;
  /** The VM list calls' batches of the selection's ids. */
  readonly batches: readonly (readonly string[])[];
  readonly ambiguous: Ambiguous;
}

/** An empty {@link SelectionMemory}, one per connection. */
export function createSelectionMemory(): SelectionMemory {
  return { last: undefined };
}

/**
 * Lists DCM's VMs on one vCenter, one page per VM-list call:
 *
 * 1. the selector's tags by id ({@link TagDirectory}: one request per poll once warm);
 * 2. `list-attached-objects-on-tags` for the managed-by tag and every
 *    instance-id tag (ceil((tags + 1) / tagBatchSize) requests), giving the
 *    managed VMs and the instance id of each;
 * 3. `GET /vcenter/vm?vms=…` for the managed VMs, vmBatchSize ids a call, for
 *    name and power state; up to `concurrency` calls in flight, the pages
 *    yielded in order.
 *
 * A managed VM that step 3 does not return (deleted in between, or no longer
 * visible to the account) is left out; after N complete lists without it the
 * core asks `confirmAbsence` (absence.ts) what became of it.
 * Every failure, and every answer that is not the documented one, throws; the
 * iteration never ends early.
 */
export async function* listManagedVms(options: ListingOptions, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const { selection, batches } = await selectManagedVms(options, signal);
  for await (const summaries of mapAhead(batches, options.concurrency, (batch) => options.api.listVms(batch, signal))) {
    const page: RawInstance[] = [];
    for (const summary of summaries) {
      // Only what was asked for: the filter is the contract, not a hint. A VM answered twice is counted once by the core.
      const instanceId = selection.get(summary.vm);
      if (instanceId === undefined) continue;
      page.push(
        summary.name
          ? { platformId: summary.vm, instanceId: instanceId ?? undefined, rawState: summary.powerState, name: summary.name }
          : { platformId: summary.vm, instanceId: instanceId ?? undefined, rawState: summary.powerState },
      );
    }
    yield page;
  }
}

async function selectManagedVms(options: ListingOptions, signal: AbortSignal): Promise<RememberedSelection> {
  const { api, directory, endpoint, logger, selections } = options;
  for (let attempt = 1; ; attempt++) {
    const tags = await directory.resolve(signal);
    const tagIds = [tags.managedByTagId, ...tags.instanceIdTags.keys()];
    const answers = (await mapWithConcurrency(chunks(tagIds, options.tagBatchSize), options.concurrency, (batch) => api.listAttachedObjectsOnTags(batch, signal))).flat();
    const last = selections.last;
    if (last !== undefined && answeredAsBefore(last, tags, tagIds, answers)) {
      warnOfAmbiguous(last.ambiguous, logger);
      return last;
    }
    selections.last = undefined;
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
    const made = makeSelection(tags, managed, answers, options.vmBatchSize);
    warnOfAmbiguous(made.ambiguous, logger);
    // Only answers in the order asked can be compared position by position next time.
    if (answers.length === tagIds.length && answers.every((answer, index) => answer.tagId === tagIds[index])) selections.last = made;
    return made;
  }
}

/** Whether `answers` are, position by position, the answers `last` was made from, under the same tags. */
function answeredAsBefore(last: RememberedSelection, tags: SelectorTags, tagIds: readonly string[], answers: readonly TagAttachments[]): boolean {
  if (last.instanceIdTags !== tags.instanceIdTags || last.managedByTagId !== tags.managedByTagId || answers.length !== tagIds.length || answers.length !== last.vmCounts.length) return false;
  let position = 0;
  for (let index = 0; index < answers.length; index++) {
    const { tagId, vmIds } = answers[index] as TagAttachments;
    if (tagId !== tagIds[index] || vmIds.length !== last.vmCounts[index]) return false;
    for (const vm of vmIds) if (vm !== last.vmIds[position++]) return false;
  }
  return true;
}

function makeSelection(tags: SelectorTags, managed: TagAttachments, answers: readonly TagAttachments[], vmBatchSize: number): RememberedSelection {
  // One Map in the managed VMs' order, one string per VM; an array only for the rare VM carrying a second instance id.
  const selection = new Map<string, string | null>();
  for (const vm of managed.vmIds) selection.set(vm, null);
  const instanceIdsOfAmbiguous = new Map<string, string[]>();
  const vmIds: string[] = [];
  const vmCounts = new Uint32Array(answers.length);
  answers.forEach((answer, index) => {
    vmCounts[index] = answer.vmIds.length;
    for (const vm of answer.vmIds) vmIds.push(vm);
    const instanceId = tags.instanceIdTags.get(answer.tagId);
    if (instanceId === undefined) return;
    for (const vm of answer.vmIds) {
      const current = selection.get(vm);
      if (current === undefined) continue; // not managed by DCM
      if (current === null) selection.set(vm, instanceId);
      else instanceIdsOfAmbiguous.set(vm, [...(instanceIdsOfAmbiguous.get(vm) ?? [current]), instanceId]);
    }
  });
  // Two instance ids on one VM (a MULTIPLE-cardinality category): picking one could report the wrong instance to DCM.
  const ambiguous = [...instanceIdsOfAmbiguous].map(([vm, instanceIds]) => ({ vm, instanceIds }));
  for (const vm of instanceIdsOfAmbiguous.keys()) selection.set(vm, null);
  return { instanceIdTags: tags.instanceIdTags, managedByTagId: tags.managedByTagId, vmIds, vmCounts, selection, batches: chunks([...selection.keys()], vmBatchSize), ambiguous };
}

function warnOfAmbiguous(ambiguous: Ambiguous, logger: Logger): void {
  if (ambiguous.length === 0) return;
  logger.warn({ count: ambiguous.length, examples: ambiguous.slice(0, 5) }, 'VMs carrying more than one instance-id tag are not published; make the instance-id category single-cardinality');
}
