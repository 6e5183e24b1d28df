import type { Logger } from 'pino';
import type { AbsenceFinding } from '../../src/adapter/index.js';
import { ErrorCode, isBridgeError } from '../../src/errors/index.js';
import { createAbsenceInquiry } from './absence-inquiry.js';
import { chunks } from './lists.js';
import { mapWithConcurrency } from '../../src/concurrency/index.js';
import type { ObjectTags } from './payloads.js';
import type { SelectorTags, TagDirectory } from './tag-directory.js';
import type { VcenterApi } from './vcenter-api.js';

export interface AbsenceOptions {
  readonly api: VcenterApi;
  readonly directory: TagDirectory;
  readonly endpoint: string;
  /** VM ids per `GET /vcenter/vm?vms=…` call (the listing's batch size). */
  readonly vmBatchSize: number;
  /** VM ids per `list-attached-tags-on-objects` call. */
  readonly tagBatchSize: number;
  /** Single-VM lookups in flight at once. */
  readonly concurrency: number;
  readonly logger: Logger;
}

/**
 * vAPI's `not_found` as the error body names it: `/api` and `/rest` from 7.0
 * send `error_type`, `/rest` on 6.5 only the qualified `type`.
 */
const notFoundCodes: ReadonlySet<string> = new Set(['NOT_FOUND', 'com.vmware.vapi.std.errors.not_found']);

/**
 * Asks vCenter about VMs a complete list left out (invariant 3), in as few
 * requests as the API allows:
 *
 * 1. `GET /vcenter/vm?vms=…`, `vmBatchSize` ids a call: the VMs it returns exist;
 * 2. `GET /vcenter/vm/{vm}` only for ids step 1 did not return: `404 not_found`
 *    is the one answer that means `gone`; `403` (the account may not read the
 *    VM, which is also why the list left it out) is `unknown`, as vAPI checks
 *    privileges before it looks the VM up, so it does not prove the VM exists;
 * 3. for the VMs that exist, the selector's tag ids ({@link TagDirectory}, one
 *    request once warm) and `list-attached-tags-on-objects`, `tagBatchSize`
 *    VMs a call: still carrying managed-by and an instance-id tag → `present`,
 *    otherwise `unmanaged` (retagged).
 *
 * A request that fails makes the ids it was about `unknown`; a throttle or
 * the poll's abort stops the confirmation (every id not yet answered is
 * `unknown`, what vCenter answered is kept). It throws only when no request
 * got an answer at all.
 */
export async function confirmVmAbsence(options: AbsenceOptions, platformIds: readonly string[], signal: AbortSignal): Promise<Map<string, AbsenceFinding>> {
  const { api } = options;
  const inquiry = createAbsenceInquiry();
  const { findings } = inquiry;
  const ask = async <T>(request: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; said: string }> => {
    try {
      const value = await request();
      inquiry.answered();
      return { ok: true, value };
    } catch (error) {
      return { ok: false, said: inquiry.failed(error) };
    }
  };

  // 1. Which of them exist and are visible to the account, a batch a call.
  const existing = new Set<string>();
  const notListed: string[] = [];
  for (const batch of chunks([...new Set(platformIds)], options.vmBatchSize)) {
    if (inquiry.stopped()) {
      for (const id of batch) findings.set(id, inquiry.notAsked());
      continue;
    }
    const answer = await ask(() => api.listVms(batch, signal));
    if (!answer.ok) {
      for (const id of batch) findings.set(id, { verdict: 'unknown', evidence: `GET /vcenter/vm?vms= failed: ${answer.said}` });
      continue;
    }
    const listed = new Set(answer.value.map((summary) => summary.vm));
    for (const id of batch) {
      if (listed.has(id)) existing.add(id);
      else notListed.push(id);
    }
  }

  // 2. One lookup per id the list did not return: deleted, unregistered, or hidden from the account.
  await mapWithConcurrency(notListed, options.concurrency, async (id) => {
    if (inquiry.stopped()) {
      findings.set(id, inquiry.notAsked());
      return;
    }
    try {
      await api.getVm(id, signal);
      inquiry.answered();
      // vCenter knows it after all (a list that lagged behind): its tags decide.
      existing.add(id);
    } catch (error) {
      findings.set(id, verdictOfLookup(id, error, inquiry.failedLookup(error)));
    }
  });

  // 3. The VMs that exist: still DCM's, or retagged?
  if (existing.size > 0) {
    const vmIds = [...existing];
    const tags = inquiry.stopped() ? undefined : await ask(() => options.directory.resolve(signal));
    if (tags === undefined || !tags.ok) {
      const evidence = tags === undefined ? inquiry.notAsked().evidence : `exists, but the selector's tags could not be looked up: ${tags.said}`;
      for (const id of vmIds) findings.set(id, { verdict: 'unknown', evidence });
    } else {
      for (const batch of chunks(vmIds, options.tagBatchSize)) {
        if (inquiry.stopped()) {
          for (const id of batch) findings.set(id, inquiry.notAsked());
          continue;
        }
        const answer = await ask(() => api.listAttachedTagsOnObjects(batch, signal));
        const byVm = new Map<string, ObjectTags>(answer.ok ? answer.value.map((entry) => [entry.vmId, entry]) : []);
        for (const id of batch) {
          const entry = byVm.get(id);
          findings.set(
            id,
            !answer.ok
              ? { verdict: 'unknown', evidence: `exists, but list-attached-tags-on-objects failed: ${answer.said}` }
              : entry === undefined
                ? { verdict: 'unknown', evidence: 'exists, but list-attached-tags-on-objects left it out (no read privilege on it?)' }
                : verdictOfTags(entry, tags.value),
          );
        }
      }
    }
  }

  return inquiry.conclude(options.logger, 'asked vCenter about VMs missing from complete lists');
}

/** The verdict of a failed `GET /vcenter/vm/{vm}`: only vCenter's own `not_found` is `gone`. */
function verdictOfLookup(vmId: string, error: unknown, said: string): AbsenceFinding {
  const where = `GET /vcenter/vm/${vmId}`;
  if (isBridgeError(error, ErrorCode.PlatformHttp) && error.context.status === 404) {
    return notFoundCodes.has(String(error.context.platformCode))
      ? { verdict: 'gone', evidence: `${where} answered 404 not_found` }
      : { verdict: 'unknown', evidence: `${where} answered 404 without vCenter's not_found error (${said})` };
  }
  if (isBridgeError(error, ErrorCode.PlatformAuth) && error.context.status === 403) {
    return { verdict: 'unknown', evidence: `${where} answered 403: the account may not read this VM (permissions changed?)` };
  }
  return { verdict: 'unknown', evidence: `${where} failed: ${said}` };
}

/** Present while the VM carries the managed-by tag and an instance-id tag (the listing's own test). */
function verdictOfTags(entry: ObjectTags, tags: SelectorTags): AbsenceFinding {
  const managed = entry.tagIds.includes(tags.managedByTagId);
  const instanceIds = entry.tagIds.flatMap((tagId) => tags.instanceIdTags.get(tagId) ?? []);
  if (managed && instanceIds.length > 0) return { verdict: 'present', evidence: `exists and still carries the managed-by tag and instance id ${instanceIds.join(', ')}` };
  if (!managed) return { verdict: 'unmanaged', evidence: 'exists but no longer carries the managed-by tag (retagged)' };
  return { verdict: 'unmanaged', evidence: 'exists and carries the managed-by tag but no instance-id tag (retagged)' };
}
