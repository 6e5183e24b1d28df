import type { Instance } from '@aws-sdk/client-ec2';
import { pollStoppedReason, type AbsenceFinding, type AbsenceVerdict } from '../../src/adapter/index.js';
import type { Selector } from '../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { carriesSelector, checkDescribePage, maxPageSize, type ListingOptions } from './listing.js';

/**
 * Instance ids asked per DescribeInstances call, as values of one
 * `instance-id` filter. EC2 refuses more than 200 filter values in one call
 * with `FilterLimitExceeded` ("The maximum number of filter values specified
 * on a single call is 200", HTTP 400, as quoted in gjbae1212/gossm#47 and
 * convox/rack#2205; the API reference's error list names the code without
 * the number).
 */
export const maxIdsPerConfirmCall = 200;

/**
 * The verdict on an instance DescribeInstances still returns for its id, by
 * its state (the six `InstanceState` names of the EC2 API reference). Only
 * `terminated` is gone: it cannot come back. `shutting-down` still exists
 * (its next list shows it DELETING); the rest are plainly there. A state the
 * table does not know still names an instance that exists: `present`.
 */
export const absenceVerdictByState: Readonly<Record<string, AbsenceVerdict>> = Object.freeze({
  pending: 'present',
  running: 'present',
  stopping: 'present',
  stopped: 'present',
  'shutting-down': 'present',
  terminated: 'gone',
});

/** Evidence of an id the `instance-id` filter did not return; see {@link confirmInstancesAbsent} for why it is `gone`. */
const notReturned: AbsenceFinding = Object.freeze({ verdict: 'gone', evidence: 'DescribeInstances returned no instance for its id (terminated and past EC2\'s listing retention)' });

/** Longest tag value an evidence string quotes. */
const quotedTagChars = 64;

function quoteTag(value: string): string {
  return JSON.stringify(value.length > quotedTagChars ? `${value.slice(0, quotedTagChars)}…` : value);
}

/** What is wrong with the selector tags of an instance, for the evidence; undefined when both are in place. */
function selectorProblem(instance: Instance, selector: Selector): string | undefined {
  if (carriesSelector(instance, selector)) return undefined;
  const tags = instance.Tags ?? [];
  const managedBy = tags.find((tag) => tag.Key === selector.managedByKey);
  if (managedBy === undefined) return `tag ${selector.managedByKey} removed`;
  if (managedBy.Value !== selector.managedByValue) return `tag ${selector.managedByKey} is now ${quoteTag(managedBy.Value ?? '')}`;
  return `tag ${selector.instanceIdKey} removed`;
}

/**
 * The finding for an instance DescribeInstances returned for its id:
 * `gone` when terminated (whatever its tags), `unmanaged` when it no longer
 * carries DCM's selector tags (retagged: it left DCM's scope without being
 * deleted), else `present` (the list that left it out was wrong).
 */
export function findingForInstance(instance: Instance, selector: Selector): AbsenceFinding {
  const state = instance.State?.Name;
  const reason = instance.StateReason?.Code;
  const stateText = state ? `state ${state}${reason && reason !== state ? ` (${reason})` : ''}` : 'no instanceState';
  const byState: AbsenceVerdict = state === undefined ? 'present' : (absenceVerdictByState[state] ?? 'present');
  if (byState === 'gone') return { verdict: 'gone', evidence: stateText };
  const problem = selectorProblem(instance, selector);
  if (problem !== undefined) return { verdict: 'unmanaged', evidence: `${stateText}, ${problem}` };
  return { verdict: 'present', evidence: `${stateText}, DCM's tags in place` };
}

/** What {@link confirmInstancesAbsent} needs: the listing's DescribeInstances call and names. */
export type AbsenceOptions = Pick<ListingOptions, 'describe' | 'selector' | 'endpoint' | 'region'> & {
  /** Ids per call; default and maximum {@link maxIdsPerConfirmCall}. */
  readonly batchSize?: number;
};

/** Findings plus what asking them cost. */
export interface AbsenceReport {
  readonly findings: Map<string, AbsenceFinding>;
  /** DescribeInstances calls made (each may have been retried by the SDK). */
  readonly calls: number;
}

/** An id that is no exact `instance-id` filter value: EC2 filter values treat `*` and `?` as wildcards (`\` escapes them). */
const wildcard = /[*?\\]/;

/** Evidence of the ids a stopped poll left unanswered. */
const stoppedEvidence = `not answered: ${pollStoppedReason}`;

function failureEvidence(error: unknown): string {
  if (!(error instanceof BridgeError)) return `DescribeInstances failed: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`;
  const platformCode = typeof error.context.platformCode === 'string' ? ` ${error.context.platformCode}` : '';
  const problem = typeof error.context['problem'] === 'string' ? `: ${error.context['problem']}` : '';
  return `DescribeInstances failed: ${error.code}${platformCode}${problem}`;
}

/**
 * Asks EC2 about instances a complete list left out: DescribeInstances with
 * one `instance-id` filter of up to 200 ids (no tag filters, so a retagged
 * instance is still returned and can be told apart), `MaxResults` 1000,
 * following NextToken. Every id gets a finding:
 *
 * - returned: {@link findingForInstance} (terminated → `gone`,
 *   retagged → `unmanaged`, else `present`);
 * - not returned → `gone`. The ids asked are ones DescribeInstances listed
 *   before, so they had propagated; EC2's eventual consistency ("Eventual
 *   consistency in the Amazon EC2 API", EC2 developer guide) makes a *new*
 *   id answer not-found for a while, not a listed one. A terminated
 *   instance stays listed as `terminated` ("usually less than one hour",
 *   DescribeInstances in the EC2 API reference) and only then disappears:
 *   an instance can only stop being returned for its own id by being
 *   terminated. An instance of another account is never returned either,
 *   which is why the ids come from this endpoint's own list;
 * - the call failed (throttled after the SDK's retries, 5xx, an AZ outage
 *   failing calls that name its instances, a page that is not the
 *   documented answer) → `unknown` for that batch, and the later batches
 *   are not asked this time (the cause usually holds for them too, and
 *   asking would only add to throttling): `unknown` as well.
 *
 * An id with filter wildcards (`*`, `?`, `\`) would match other instances:
 * it is not asked (`unknown`). Duplicates are asked once.
 * When `signal` aborts (the poll's time budget spent, or the poll stopped),
 * the batches EC2 answered keep their findings and the rest are `unknown`:
 * a poll whose budget cannot cover every confirmation still settles some,
 * and the next asks only about the rest. It never throws.
 */
export async function confirmInstancesAbsent(platformIds: readonly string[], options: AbsenceOptions, signal: AbortSignal): Promise<AbsenceReport> {
  const batchSize = Math.max(1, Math.min(options.batchSize ?? maxIdsPerConfirmCall, maxIdsPerConfirmCall));
  const findings = new Map<string, AbsenceFinding>();
  const askable: string[] = [];
  for (const id of new Set(platformIds)) {
    if (id === '' || wildcard.test(id)) findings.set(id, { verdict: 'unknown', evidence: 'not an exact EC2 instance id (empty or with filter wildcards); not asked' });
    else askable.push(id);
  }
  const batches: string[][] = [];
  for (let start = 0; start < askable.length; start += batchSize) batches.push(askable.slice(start, start + batchSize));

  let calls = 0;
  for (const [batchIndex, batch] of batches.entries()) {
    if (signal.aborted) {
      markRest(findings, batches.slice(batchIndex), stoppedEvidence);
      break;
    }
    const scope = { endpoint: options.endpoint, region: options.region, which: `instance-id batch ${batchIndex + 1} of ${batches.length}` };
    try {
      const returned = new Map<string, Instance>();
      const tokensSeen = new Set<string>();
      let nextToken: string | undefined;
      do {
        calls += 1;
        const answer = (await options.describe({ Filters: [{ Name: 'instance-id', Values: batch }], MaxResults: maxPageSize, ...(nextToken ? { NextToken: nextToken } : {}) }, signal)).read();
        for (const instance of checkDescribePage(answer, scope)) returned.set(instance.InstanceId ?? '', instance);
        nextToken = answer.NextToken || undefined;
        if (nextToken !== undefined) {
          if (tokensSeen.has(nextToken)) throw new BridgeError(ErrorCode.PlatformPayload, `ec2 endpoint ${options.endpoint} (${options.region}): DescribeInstances ${scope.which} returned a NextToken twice`, { endpoint: options.endpoint, platform: 'ec2', problem: 'a repeating NextToken' });
          tokensSeen.add(nextToken);
        }
      } while (nextToken !== undefined);
      for (const id of batch) {
        const instance = returned.get(id);
        findings.set(id, instance === undefined ? notReturned : findingForInstance(instance, options.selector));
      }
    } catch (error) {
      if (signal.aborted) {
        markRest(findings, batches.slice(batchIndex), stoppedEvidence);
        break;
      }
      const evidence = failureEvidence(error);
      markRest(findings, [batch], evidence);
      markRest(findings, batches.slice(batchIndex + 1), `not asked: an earlier call failed (${evidence})`);
      break;
    }
  }
  return { findings, calls };
}

/** Every id of `batches` is `unknown` with `evidence`. */
function markRest(findings: Map<string, AbsenceFinding>, batches: readonly (readonly string[])[], evidence: string): void {
  for (const batch of batches) for (const id of batch) findings.set(id, { verdict: 'unknown', evidence });
}
