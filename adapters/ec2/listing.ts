import type { DescribeInstancesCommandInput, Instance, Reservation } from '@aws-sdk/client-ec2';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RawInstance } from '../../src/adapter/index.js';
import type { Selector } from '../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../src/errors/index.js';
import type { DescribeAnswer } from './answer-check.js';
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
  /**
   * One DescribeInstances call: its answer, read by `read()`; throws a
   * BridgeError on failure. `onSending` is told when the request is handed
   * to the HTTP transport (once the account's request budget let it go).
   */
  readonly describe: (input: DescribeInstancesCommandInput, signal: AbortSignal, onSending?: () => void) => Promise<DescribeAnswer>;
  readonly selector: Selector;
  /** The endpoint's `stateOverrides`: a qualified raw state they name is kept (see `rawStateOf`). */
  readonly stateOverrides: Readonly<Record<string, unknown>>;
  readonly endpoint: string;
  readonly region: string;
  /** MaxResults, 5–1000; default 1000 (fewest calls, so fewest request tokens). */
  readonly pageSize?: number;
  /**
   * Told about instances an answer held that do not carry the selector after
   * all (an EC2-compatible cloud ignoring a filter, a wildcard match, tags
   * missing from the answer): they are left out of the list, and if one was
   * DCM's, absence confirmation asks about it by id.
   */
  readonly onSkipped?: (skipped: { readonly page: number; readonly count: number; readonly example: string }) => void;
}

/** The facts an error about one DescribeInstances answer names. */
export interface AnswerScope {
  readonly endpoint: string;
  readonly region: string;
  /** e.g. `page 2 of the listing`, `instance-id batch 1 of 3`. */
  readonly which: string;
}

function incomplete(scope: AnswerScope, problem: string): BridgeError {
  return new BridgeError(ErrorCode.ListIncomplete, `ec2 endpoint ${scope.endpoint} (${scope.region}): DescribeInstances ${scope.which} is not a complete answer: ${problem}; it counts for nothing`, {
    endpoint: scope.endpoint,
    platform: 'ec2',
    region: scope.region,
    problem,
  });
}

/** How an error names a reservation; worded only on failure, as a page holds up to 1,000 of them. */
function reservationWords(reservation: Reservation, index: number): string {
  return `reservation ${reservation.ReservationId ?? `#${index + 1}`}`;
}

/**
 * Checks the parsed members every DescribeInstances answer has (the raw
 * answer was checked before parsing, see `answer-check.ts`): a
 * `reservationSet` (empty on an empty page, never absent), an
 * `instancesSet` in each reservation, an `instanceId` on each instance.
 * An instance without its id cannot be reported or confirmed, so the whole
 * answer fails rather than losing it silently.
 * @throws BridgeError LIST_INCOMPLETE naming the problem.
 */
export function checkDescribePage(answer: DescribePage, scope: AnswerScope): readonly Instance[] {
  const reservations: readonly Reservation[] | undefined = answer.Reservations;
  if (!Array.isArray(reservations)) throw incomplete(scope, 'no reservationSet');
  const instances: Instance[] = [];
  for (const [reservationIndex, reservation] of reservations.entries()) {
    const members: readonly Instance[] | undefined = reservation.Instances;
    if (!Array.isArray(members)) throw incomplete(scope, `${reservationWords(reservation, reservationIndex)} has no instancesSet`);
    for (const [instanceIndex, instance] of members.entries()) {
      if (typeof instance.InstanceId !== 'string' || instance.InstanceId === '') throw incomplete(scope, `instance #${instanceIndex + 1} of ${reservationWords(reservation, reservationIndex)} has no instanceId`);
      instances.push(instance);
    }
  }
  return instances;
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
  const tags = selectorTagsOf(instance, selector);
  if (!tags.managed || tags.instanceId === undefined) return undefined;
  const reason = instance.StateReason;
  const state = instance.State?.Name;
  // EC2 repeats the state as the reason of a pending instance: nothing to add then.
  const detail = reason?.Code && reason.Code !== state ? (reason.Message ?? reason.Code) : undefined;
  // Optional members set one by one: this runs for every listed instance, every poll.
  const raw: { -readonly [Member in keyof RawInstance]: RawInstance[Member] } = { platformId: instance.InstanceId, instanceId: tags.instanceId, rawState: rawStateOf(state, reason?.Code, stateOverrides) };
  if (tags.name) raw.name = tags.name;
  if (detail) raw.detail = detail;
  // EC2 documents instanceState on every instance; without it the state is not known now, not "pending".
  if (!state) raw.stateUnavailable = 'DescribeInstances listed the instance without its instanceState';
  return raw;
}

/** True when the instance carries `<managedByKey>=<managedByValue>` and an `<instanceIdKey>` tag, compared exactly. */
export function carriesSelector(instance: Instance, selector: Selector): boolean {
  const tags = selectorTagsOf(instance, selector);
  return tags.managed && tags.instanceId !== undefined;
}

/**
 * The tags the adapter reads, in one pass: whether `<managedByKey>=<managedByValue>`
 * is among them, and the values of `<instanceIdKey>` and `Name` (a key given
 * twice reads as its last value).
 */
function selectorTagsOf(instance: Instance, selector: Selector): { managed: boolean; instanceId: string | undefined; name: string | undefined } {
  let managed = false;
  let instanceId: string | undefined;
  let name: string | undefined;
  for (const { Key: key, Value: value } of instance.Tags ?? []) {
    if (key === selector.managedByKey && value === selector.managedByValue) managed = true;
    if (key === selector.instanceIdKey) instanceId = value ?? '';
    if (key === 'Name') name = value ?? '';
  }
  return { managed, instanceId, name };
}

function abortedError(options: ListingOptions, signal: AbortSignal): BridgeError {
  if (signal.reason instanceof BridgeError) return signal.reason;
  return new BridgeError(ErrorCode.PollAborted, `ec2 endpoint ${options.endpoint} (${options.region}): listing aborted`, { endpoint: options.endpoint, platform: 'ec2' }, { cause: signal.reason });
}

/** Adds which page failed to a LIST_INCOMPLETE raised by the raw answer check, which cannot know it. */
function onPage(error: unknown, page: number): unknown {
  if (!(error instanceof BridgeError) || error.code !== ErrorCode.ListIncomplete || error.context['page'] !== undefined) return error;
  return new BridgeError(ErrorCode.ListIncomplete, `${error.message} (page ${page} of the listing)`, { ...error.context, page }, { cause: error });
}

/**
 * A page's instances that carry the selector, as RawInstances; those without
 * DCM's tags are counted and reported through `onSkipped`.
 */
function managedPage(instances: readonly Instance[], options: ListingOptions, pageNumber: number): RawInstance[] {
  const page: RawInstance[] = [];
  let skipped = 0;
  let example = '';
  for (const instance of instances) {
    const raw = toRawInstance(instance, options.selector, options.stateOverrides);
    if (raw === undefined) {
      skipped += 1;
      example ||= instance.InstanceId ?? '';
    } else {
      page.push(raw);
    }
  }
  if (skipped > 0) options.onSkipped?.({ page: pageNumber, count: skipped, example });
  return page;
}

/**
 * Adds `token` to the tokens the listing was given.
 * @throws BridgeError PLATFORM_PAYLOAD when it was given before: the listing would never end.
 */
function rememberToken(tokensSeen: Set<string>, token: string, options: ListingOptions): void {
  if (tokensSeen.has(token)) {
    throw new BridgeError(ErrorCode.PlatformPayload, `ec2 endpoint ${options.endpoint} (${options.region}): DescribeInstances returned a NextToken it had returned before, after ${tokensSeen.size + 1} pages; the listing would never end`, {
      endpoint: options.endpoint,
      platform: 'ec2',
      region: options.region,
      pages: tokensSeen.size + 1,
    });
  }
  tokensSeen.add(token);
}

/** The next page, asked for before the one in hand is read. */
interface EarlyAsk {
  /** The NextToken it was asked with: the hint, until the page in hand is read. */
  readonly token: string;
  readonly answer: Promise<DescribeAnswer>;
  /** Cancels it when the page in hand names another token, fails, or the listing stops. */
  readonly controller: AbortController;
}

/**
 * How long the listing waits for an early ask to leave before it reads the
 * page in hand: a request held by the account's request budget (an empty
 * bucket, or Redis answering the take) is not waited for beyond this.
 */
const earlyAskLeaveMs = 2;

/**
 * Asks for the page `hint` names, and waits until the request has left (or
 * at most {@link earlyAskLeaveMs}): reading the page in hand is synchronous
 * work that would otherwise hold the request back until it is done.
 */
async function askEarly(hint: string, describePage: (token: string, signal: AbortSignal, onSending: () => void) => Promise<DescribeAnswer>, signal: AbortSignal): Promise<EarlyAsk> {
  const controller = new AbortController();
  let sending: () => void = () => undefined;
  const sent = new Promise<void>((resolve) => (sending = resolve));
  const answer = describePage(hint, AbortSignal.any([signal, controller.signal]), () => sending());
  // Awaited when its turn comes, or cancelled: until then its failure must not count as unhandled.
  answer.catch(() => undefined);
  // A plain timer, cleared: cancelling a promised sleep would build two errors with their stacks a page.
  let leaveTimer: NodeJS.Timeout | undefined;
  const leaveTime = new Promise<void>((resolve) => (leaveTimer = setTimeout(resolve, earlyAskLeaveMs)));
  await Promise.race([sent, answer.then(() => undefined, () => undefined), leaveTime]);
  clearTimeout(leaveTimer);
  // The transport writes the request in the microtasks and ticks after it was handed over.
  await nextTurn();
  return { token: hint, answer, controller };
}

/**
 * Lists the endpoint's managed instances, one yielded page per
 * DescribeInstances answer that holds any, following NextToken to the end.
 * An answer may be empty yet carry a NextToken (EC2 filters after paging),
 * so only a missing token ends the listing; a token seen before would loop
 * forever and fails the poll with PLATFORM_PAYLOAD. An instance listed twice
 * (a cursor crossing a concurrent change) is yielded twice: the core's diff
 * counts and judges each instance once a poll. An answer that is
 * not a whole DescribeInstancesResponse (see {@link checkDescribePage})
 * fails the listing with LIST_INCOMPLETE naming the page: it never ends the
 * listing early or drops an instance.
 *
 * The next page is asked for as soon as an answer's `nextToken` is found at
 * its end, before the answer is read, so EC2 prepares it while this one is
 * read (`nextTokenHintOf`). Only the read page's own NextToken counts: an
 * early ask with another token, or after a page that fails, is cancelled
 * and its answer never read. Pages are still asked one at a time: an early
 * ask leaves once the answer before it has arrived.
 */
export async function* listManagedInstances(options: ListingOptions, signal: AbortSignal): AsyncGenerator<readonly RawInstance[]> {
  const filters = selectorFilters(options.selector);
  const pageSize = Math.min(options.pageSize ?? maxPageSize, maxPageSize);
  const describePage = (token: string | undefined, callSignal: AbortSignal, onSending?: () => void): Promise<DescribeAnswer> =>
    options.describe({ Filters: filters, MaxResults: pageSize, ...(token ? { NextToken: token } : {}) }, callSignal, onSending);
  const tokensSeen = new Set<string>();
  let nextToken: string | undefined;
  let early: EarlyAsk | undefined;
  let pageNumber = 0;
  try {
    do {
      if (signal.aborted) throw abortedError(options, signal);
      pageNumber += 1;
      const asked = early?.answer ?? describePage(nextToken, signal);
      early = undefined;
      const answer = await asked.catch((error: unknown) => {
        throw onPage(error, pageNumber);
      });
      const hint = answer.nextTokenHint;
      if (hint !== undefined && hint !== '' && !tokensSeen.has(hint)) early = await askEarly(hint, describePage, signal);
      const read = answer.read();
      const page = managedPage(checkDescribePage(read, { endpoint: options.endpoint, region: options.region, which: `page ${pageNumber} of the listing` }), options, pageNumber);
      if (page.length > 0) yield page;
      nextToken = read.NextToken || undefined;
      if (early !== undefined && early.token !== nextToken) {
        early.controller.abort();
        early = undefined;
      }
      if (nextToken !== undefined) rememberToken(tokensSeen, nextToken, options);
    } while (nextToken !== undefined);
  } finally {
    early?.controller.abort();
  }
}
