import type { Logger } from 'pino';
import type { AbsenceFinding } from '../../../src/adapter/index.js';
import type { Selector } from '../../../src/config/index.js';
import { createAbsenceInquiry } from '../absence-inquiry.js';
import { chunks } from '../lists.js';
import { mapWithConcurrency } from '../../../src/concurrency/index.js';
import { decodeCustomValues, decodeRetrieveResult, type ObjectContent } from './decode.js';
import { retrievePropertiesEx } from './envelopes.js';
import { selectByFields, type FieldDirectory, type SelectorFields } from './fields.js';
import { shapeFailure } from './listing.js';
import { faultTypeOf, type VimSession } from './session.js';
import { VimShapeError } from './xml.js';

export interface VimAbsenceOptions {
  readonly session: VimSession;
  readonly fields: FieldDirectory;
  readonly selector: Selector;
  readonly endpoint: string;
  /** VMs per batched RetrievePropertiesEx. */
  readonly batchSize: number;
  /** Single-VM lookups in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
}

/** What one VM's lookup found, before its attributes are judged. */
type Lookup = { readonly kind: 'exists'; readonly values: ReadonlyMap<string, string> } | { readonly kind: 'finding'; readonly finding: AbsenceFinding } | { readonly kind: 'notReturned' };

const vmRef = (id: string) => ({ type: 'VirtualMachine', value: id });

/** What one returned VM says: its custom attributes, or why they cannot be judged. */
function lookupOf(object: ObjectContent): Lookup {
  const denied = object.missing.find((entry) => entry.path === 'customValue');
  if (denied) return { kind: 'finding', finding: { verdict: 'unknown', evidence: `exists, but its custom attributes cannot be read (vCenter: ${denied.fault}; permissions changed?)` } };
  try {
    return { kind: 'exists', values: decodeCustomValues(object.properties.get('customValue'), object.obj.value) };
  } catch (error) {
    if (!(error instanceof VimShapeError)) throw error;
    return { kind: 'finding', finding: { verdict: 'unknown', evidence: `exists, but its customValue is not the documented answer (${error.message})` } };
  }
}

/**
 * Asks vCenter about VMs a complete list left out (invariant 3), by moref,
 * over the Web Services API:
 *
 * 1. `RetrievePropertiesEx` of `customValue` for `batchSize` VMs a call, with
 *    `reportMissingObjectsInResults` (so one deleted VM does not fail the
 *    batch): the VMs it returns exist;
 * 2. one `RetrievePropertiesEx` per VM step 1 left out, without that flag:
 *    vCenter's `ManagedObjectNotFound` fault naming the VM is the one answer
 *    that means `gone` (the batch's omission alone is not proof);
 * 3. the VMs that exist are judged by their attributes: managed-by and an
 *    instance id → `present`, otherwise `unmanaged`; attributes the account
 *    may not read (a `missingSet` fault) → `unknown`.
 *
 * A request that fails makes the VMs it was about `unknown`; a throttle or
 * the poll's abort stops the confirmation (what vCenter answered is kept). It
 * throws only when no request got an answer at all.
 */
export async function confirmVimAbsence(options: VimAbsenceOptions, platformIds: readonly string[], signal: AbortSignal): Promise<Map<string, AbsenceFinding>> {
  const { session } = options;
  const inquiry = createAbsenceInquiry();
  const { findings } = inquiry;
  const existing = new Map<string, ReadonlyMap<string, string>>();
  const retrieve = async (ids: readonly string[], reportMissingObjects: boolean): Promise<ObjectContent[]> => {
    const { content } = await session.call(
      (scope) => retrievePropertiesEx(scope.refs.propertyCollector, { kind: 'objects', objects: ids.map(vmRef), type: 'VirtualMachine', paths: ['customValue'], reportMissingObjects }, ids.length),
      signal,
    );
    try {
      return [...decodeRetrieveResult(content, 'RetrievePropertiesEx').objects];
    } catch (error) {
      throw error instanceof VimShapeError ? shapeFailure(options.endpoint, 'RetrievePropertiesEx', error) : error;
    }
  };
  const record = (id: string, lookup: Lookup): void => {
    if (lookup.kind === 'exists') existing.set(id, lookup.values);
    else if (lookup.kind === 'finding') findings.set(id, lookup.finding);
  };

  // 1. Batches: which exist, and their attributes.
  const notReturned: string[] = [];
  for (const batch of chunks([...new Set(platformIds)], options.batchSize)) {
    if (inquiry.stopped()) {
      for (const id of batch) findings.set(id, inquiry.notAsked());
      continue;
    }
    try {
      const objects = await retrieve(batch, true);
      inquiry.answered();
      const byId = new Map(objects.filter((object) => object.obj.type === 'VirtualMachine').map((object) => [object.obj.value, object]));
      for (const id of batch) {
        const object = byId.get(id);
        if (object) record(id, lookupOf(object));
        else notReturned.push(id);
      }
    } catch (error) {
      const said = inquiry.failed(error);
      // A server that ignores reportMissingObjectsInResults fails the whole batch for one deleted VM: ask each.
      if (faultTypeOf(error) === 'ManagedObjectNotFound') notReturned.push(...batch);
      else for (const id of batch) findings.set(id, { verdict: 'unknown', evidence: `RetrievePropertiesEx of ${batch.length} VMs failed: ${said}` });
    }
  }

  // 2. One by one: ManagedObjectNotFound is vCenter saying the VM is gone.
  await mapWithConcurrency(notReturned, options.concurrency, async (id) => {
    if (inquiry.stopped()) {
      findings.set(id, inquiry.notAsked());
      return;
    }
    try {
      const [object] = (await retrieve([id], false)).filter((candidate) => candidate.obj.value === id);
      inquiry.answered();
      record(id, object ? lookupOf(object) : { kind: 'finding', finding: { verdict: 'unknown', evidence: 'RetrievePropertiesEx answered without it and without a fault' } });
    } catch (error) {
      findings.set(id, verdictOfLookup(id, error, inquiry.failedLookup(error)));
    }
  });

  // 3. The VMs that exist: still DCM's, or not?
  if (existing.size > 0) {
    let fields: SelectorFields | undefined;
    let fieldsFailure: string | undefined;
    if (!inquiry.stopped()) {
      try {
        fields = await options.fields.resolve(signal);
        inquiry.answered();
      } catch (error) {
        fieldsFailure = inquiry.failed(error);
      }
    }
    for (const [id, values] of existing) {
      if (!fields) {
        findings.set(id, fieldsFailure === undefined ? inquiry.notAsked() : { verdict: 'unknown', evidence: `exists, but the custom attribute keys could not be looked up: ${fieldsFailure}` });
        continue;
      }
      findings.set(id, verdictOfAttributes(selectByFields(values, fields, options.selector.managedByValue)));
    }
  }

  return inquiry.conclude(options.logger, 'asked vCenter (vim25) about VMs missing from complete lists');
}

/** The verdict of a failed single-VM retrieval: only ManagedObjectNotFound naming this VM is `gone`. */
function verdictOfLookup(vmId: string, error: unknown, said: string): AbsenceFinding {
  const where = `RetrievePropertiesEx of ${vmId}`;
  // The request names one object besides the PropertyCollector singleton: the fault is about this VM.
  if (faultTypeOf(error) === 'ManagedObjectNotFound') return { verdict: 'gone', evidence: `${where} answered ManagedObjectNotFound: vCenter has no such VM` };
  if (faultTypeOf(error) === 'NoPermission') return { verdict: 'unknown', evidence: `${where} answered NoPermission: the account may not read this VM (permissions changed?)` };
  return { verdict: 'unknown', evidence: `${where} failed: ${said}` };
}

function verdictOfAttributes(selection: ReturnType<typeof selectByFields>): AbsenceFinding {
  if (selection.managed && selection.instanceId !== undefined) return { verdict: 'present', evidence: `exists and still carries the managed-by attribute and instance id ${selection.instanceId}` };
  if (!selection.managed) return { verdict: 'unmanaged', evidence: 'exists but no longer carries the managed-by attribute' };
  return { verdict: 'unmanaged', evidence: 'exists and carries the managed-by attribute but no single instance id' };
}
