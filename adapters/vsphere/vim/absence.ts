import type { Logger } from 'pino';
import type { AbsenceFinding } from '../../../src/adapter/index.js';
import type { Selector } from '../../../src/config/index.js';
import { ErrorCode, isBridgeError } from '../../../src/errors/index.js';
import { chunks } from '../concurrency.js';
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

/** Short evidence of a failed request: `HTTP 500 NoPermission`, or the error code. */
function describeFailure(error: unknown): string {
  if (!isBridgeError(error)) return String(error);
  const fault = faultTypeOf(error);
  if (typeof error.context.status !== 'number') return error.code;
  return `HTTP ${error.context.status}${fault ? ` ${fault}` : ''}`;
}

/** vCenter asked to slow down: nothing more is sent in this confirmation. */
function isThrottle(error: unknown): boolean {
  return isBridgeError(error, ErrorCode.PlatformThrottled) || (isBridgeError(error, ErrorCode.PlatformHttp) && error.context.retryAfterMs !== undefined);
}

const vmRef = (id: string) => ({ type: 'VirtualMachine', value: id });

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
 * A request that fails makes the VMs it was about `unknown`; a throttle stops
 * the confirmation. It throws only when the poll was aborted, or when no
 * request got an answer at all.
 */
export async function confirmVimAbsence(options: VimAbsenceOptions, platformIds: readonly string[], signal: AbortSignal): Promise<Map<string, AbsenceFinding>> {
  const { session, logger } = options;
  const findings = new Map<string, AbsenceFinding>();
  const existing = new Map<string, ReadonlyMap<string, string>>();
  let answered = false;
  let firstFailure: unknown;
  let throttled: string | undefined;

  const failed = (error: unknown): string => {
    if (isBridgeError(error, ErrorCode.PollAborted)) throw error;
    firstFailure ??= error;
    if (isBridgeError(error) && typeof error.context.status === 'number') answered = true;
    const said = describeFailure(error);
    if (isThrottle(error)) throttled ??= said;
    return said;
  };
  const notAsked = (): AbsenceFinding => ({ verdict: 'unknown', evidence: `not asked: vCenter asked to slow down (${throttled ?? ''})` });
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
  const lookupOf = (object: ObjectContent): Lookup => {
    const denied = object.missing.find((entry) => entry.path === 'customValue');
    if (denied) return { kind: 'finding', finding: { verdict: 'unknown', evidence: `exists, but its custom attributes cannot be read (vCenter: ${denied.fault}; permissions changed?)` } };
    try {
      return { kind: 'exists', values: decodeCustomValues(object.properties.get('customValue'), object.obj.value) };
    } catch (error) {
      if (!(error instanceof VimShapeError)) throw error;
      return { kind: 'finding', finding: { verdict: 'unknown', evidence: `exists, but its customValue is not the documented answer (${error.message})` } };
    }
  };
  const record = (id: string, lookup: Lookup): void => {
    if (lookup.kind === 'exists') existing.set(id, lookup.values);
    else if (lookup.kind === 'finding') findings.set(id, lookup.finding);
  };

  // 1. Batches: which exist, and their attributes.
  const notReturned: string[] = [];
  for (const batch of chunks([...new Set(platformIds)], options.batchSize)) {
    if (throttled !== undefined) {
      for (const id of batch) findings.set(id, notAsked());
      continue;
    }
    try {
      const objects = await retrieve(batch, true);
      answered = true;
      const byId = new Map(objects.filter((object) => object.obj.type === 'VirtualMachine').map((object) => [object.obj.value, object]));
      for (const id of batch) {
        const object = byId.get(id);
        if (object) record(id, lookupOf(object));
        else notReturned.push(id);
      }
    } catch (error) {
      const said = failed(error);
      // A server that ignores reportMissingObjectsInResults fails the whole batch for one deleted VM: ask each.
      if (faultTypeOf(error) === 'ManagedObjectNotFound') notReturned.push(...batch);
      else for (const id of batch) findings.set(id, { verdict: 'unknown', evidence: `RetrievePropertiesEx of ${batch.length} VMs failed: ${said}` });
    }
  }

  // 2. One by one: ManagedObjectNotFound is vCenter saying the VM is gone.
  let next = 0;
  const lookUp = async (): Promise<void> => {
    while (next < notReturned.length) {
      const id = notReturned[next++] as string;
      if (throttled !== undefined) {
        findings.set(id, notAsked());
        continue;
      }
      try {
        const [object] = (await retrieve([id], false)).filter((candidate) => candidate.obj.value === id);
        answered = true;
        record(id, object ? lookupOf(object) : { kind: 'finding', finding: { verdict: 'unknown', evidence: 'RetrievePropertiesEx answered without it and without a fault' } });
      } catch (error) {
        const said = failed(error);
        findings.set(id, verdictOfLookup(id, error, said));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, notReturned.length) }, lookUp));

  // 3. The VMs that exist: still DCM's, or not?
  if (existing.size > 0) {
    let fields: SelectorFields | undefined;
    let fieldsFailure: string | undefined;
    if (throttled === undefined) {
      try {
        fields = await options.fields.resolve(signal);
        answered = true;
      } catch (error) {
        fieldsFailure = failed(error);
      }
    }
    for (const [id, values] of existing) {
      if (!fields) {
        findings.set(id, fieldsFailure === undefined ? notAsked() : { verdict: 'unknown', evidence: `exists, but the custom attribute keys could not be looked up: ${fieldsFailure}` });
        continue;
      }
      findings.set(id, verdictOfAttributes(selectByFields(values, fields, options.selector.managedByValue)));
    }
  }

  if (!answered && firstFailure !== undefined) throw firstFailure;
  const counts = { gone: 0, present: 0, unmanaged: 0, unknown: 0 };
  for (const finding of findings.values()) counts[finding.verdict] += 1;
  logger.info({ asked: findings.size, ...counts, ...(throttled ? { throttled } : {}) }, 'asked vCenter (vim25) about VMs missing from complete lists');
  return findings;
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
