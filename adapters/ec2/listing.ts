import type { DescribeInstancesCommandInput, Instance, Reservation } from '@aws-sdk/client-ec2';
import type { RawInstance } from '../../src/adapter/index.js';
import type { Selector } from '../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import { rawStateOf } from './state-table.js';

/** DescribeInstances' largest page ("between 5 and 1000", EC2 API reference). */
export const maxPageSize = 1000;

/** The part of a DescribeInstances answer the listing reads. */
export interface DescribePage {
  readonly Reservations?: readonly Reservation[];
  readonly NextToken?: string;
}

/** What {@link listManagedInstances} needs. */
export interface ListingOptions {
  /** One DescribeInstances call; throws a BridgeError on failure. */
  readonly describe: (input: DescribeInstancesCommandInput, signal: AbortSignal) => Promise<DescribePage>;
  readonly selector: Selector;
  /** The endpoint's `stateOverrides`: a qualified raw state they name is kept (see `rawStateOf`). */
  readonly stateOverrides: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
  readonly region: string;
  /** MaxResults, 5–1000; default 1000 (fewest calls, so fewest request tokens). */
  readonly pageSize?: number;
}

/**
 * The server-side filters selecting DCM's instances: `tag:<managedByKey>` =
 * `<managedByValue>` AND `tag-key` = `<instanceIdKey>` (EC2 ANDs filters).
 * EC2 also matches `*` and `?` in filter values; tag values with them are
 * still checked exactly on our side.
 */
export function selectorFilters(selector: Selector): NonNullable<DescribeInstancesCommandInput['Filters']> {
  return [
    { Name: `tag:${selector.managedByKey}`, Values: [selector.managedByValue] },
    { Name: 'tag-key', Values: [selector.instanceIdKey] },
  ];
}

/**
 * One EC2 instance as a RawInstance, or undefined when it does not carry the
 * selector. The check repeats the server-side filters because EC2-compatible
 * clouds may ignore filters they do not support, and wildcards in a filter
 * value would match more than the exact value.
 */
export function toRawInstance(instance: Instance, selector: Selector, stateOverrides: Readonly<Record<string, unknown>> = {}): RawInstance | undefined {
  if (!instance.InstanceId) return undefined;
  const tags = new Map((instance.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  if (tags.get(selector.managedByKey) !== selector.managedByValue || !tags.has(selector.instanceIdKey)) return undefined;
  const reason = instance.StateReason;
  const state = instance.State?.Name;
  const name = tags.get('Name');
  // EC2 repeats the state as the reason of a pending instance: nothing to add then.
  const detail = reason?.Code && reason.Code !== state ? (reason.Message ?? reason.Code) : undefined;
  return {
    platformId: instance.InstanceId,
    instanceId: tags.get(selector.instanceIdKey),
    rawState: rawStateOf(state, reason?.Code, stateOverrides),
    ...(name ? { name } : {}),
    ...(detail ? { detail } : {}),
  };
}

function abortedError(options: ListingOptions, signal: AbortSignal): BridgeError {
  if (signal.reason instanceof BridgeError) return signal.reason;
  return new BridgeError(ErrorCode.PollAborted, `ec2 endpoint ${options.endpoint} (${options.region}): listing aborted`, { endpoint: options.endpoint, platform: 'ec2' }, { cause: signal.reason });
}

/**
 * Lists the endpoint's managed instances, one yielded page per
 * DescribeInstances answer that holds any, following NextToken to the end.
 * An answer may be empty yet carry a NextToken (EC2 filters after paging),
 * so only a missing token ends the listing; a token seen before would loop
 * forever and fails the poll with PLATFORM_PAYLOAD. An instance listed twice
 * (a cursor crossing a concurrent change) is yielded once.
 */
export async function* listManagedInstances(options: ListingOptions, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const filters = selectorFilters(options.selector);
  const pageSize = Math.min(options.pageSize ?? maxPageSize, maxPageSize);
  const tokensSeen = new Set<string>();
  const yielded = new Set<string>();
  let nextToken: string | undefined;
  do {
    if (signal.aborted) throw abortedError(options, signal);
    const answer = await options.describe({ Filters: filters, MaxResults: pageSize, ...(nextToken ? { NextToken: nextToken } : {}) }, signal);
    const page: RawInstance[] = [];
    for (const reservation of answer.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        const raw = toRawInstance(instance, options.selector, options.stateOverrides);
        if (raw && !yielded.has(raw.platformId)) {
          yielded.add(raw.platformId);
          page.push(raw);
        }
      }
    }
    if (page.length > 0) yield page;
    nextToken = answer.NextToken || undefined;
    if (nextToken !== undefined) {
      if (tokensSeen.has(nextToken)) {
        throw new BridgeError(ErrorCode.PlatformPayload, `ec2 endpoint ${options.endpoint} (${options.region}): DescribeInstances returned a NextToken it had returned before, after ${tokensSeen.size + 1} pages; the listing would never end`, {
          endpoint: options.endpoint,
          platform: 'ec2',
          region: options.region,
          pages: tokensSeen.size + 1,
        });
      }
      tokensSeen.add(nextToken);
    }
  } while (nextToken !== undefined);
}
