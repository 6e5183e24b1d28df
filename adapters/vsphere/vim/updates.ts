import { randomUUID } from 'node:crypto';
import type { ChangePage, ListingEnd, RawInstance } from '../../../src/adapter/index.js';
import { BridgeError, ErrorCode } from '../../../src/errors/index.js';
import { chunks } from '../lists.js';
import { vimStateReading } from '../state-table.js';
import { decodeCustomValues, decodeManagedObjectReturn, decodeRetrieveResult, decodeUpdateSet, requiredProperty, type MissingProperty, type ObjectContent, type ObjectUpdate, type PropertyChange, type UpdateSetPage } from './decode.js';
import { createViewFilter, destroyPropertyFilter, retrievePropertiesEx, waitForUpdatesEx } from './envelopes.js';
import { selectByFields, type SelectorFields, type VmSelection } from './fields.js';
import { shapeFailure, vmListingPaths, type VimListingOptions } from './listing.js';
import { faultTypeOf, isNotAuthenticated } from './session.js';
import { VimShapeError, type MoRef } from './xml.js';

/** What the adapter last learnt of a VM whose attributes mark it DCM's: enough to report it from a change of one property. */
interface ManagedVm {
  name: string;
  powerState: string;
  connectionState: string;
  instanceId: string | undefined;
  /** Two instance-id attributes of different values: not published. */
  ambiguous: boolean;
}

/**
 * The property filter of one listing and what it has told the adapter. It is the session's,
 * and lives in this process only: a cursor names it by `nonce`, so a cursor from another
 * process, another connection or an earlier filter is refused without asking vCenter.
 */
interface FilterState {
  readonly nonce: string;
  readonly generation: number;
  readonly filter: MoRef;
  /** Every VM the filter has shown carrying the managed-by attribute, by moref. */
  readonly managed: Map<string, ManagedVm>;
}

/** The incremental listing of a vim25 connection ({@link PlatformConnection.listChanges}). */
export interface VimChangeListing {
  listChanges(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd>;
}

const cursorPrefix = 'vim-wfu1';
const destroyTimeoutMs = 2_000;

/** A page being built, with the VMs whose change alone does not say enough (read with one RetrievePropertiesEx). */
interface PageBuilder {
  readonly instances: RawInstance[];
  readonly departed: Set<string>;
  readonly toRead: Set<string>;
  readonly ambiguous: string[];
  readonly unreadable: string[];
}

/** Thrown inside a listing when the filter's session is no longer the current one. */
class FilterGone extends Error {
  override readonly name = 'FilterGone';
}

function encodeCursor(state: FilterState, version: string): string {
  return `${cursorPrefix}:${state.nonce}:${version}`;
}

function decodeCursor(cursor: string): { nonce: string; version: string } | undefined {
  const [prefix, nonce, ...rest] = cursor.split(':');
  if (prefix !== cursorPrefix || nonce === undefined || nonce === '' || rest.length === 0) return undefined;
  return { nonce, version: rest.join(':') };
}

/**
 * Incremental listing over vCenter's PropertyCollector (see ../README.md, "Incremental polls"):
 *
 * - `listChanges(undefined)`: destroys the previous filter, creates one over the session's
 *   container view for {@link vmListingPaths} (CreateFilter), and reads its initial update set,
 *   `WaitForUpdatesEx("")` then each truncated version, `maxWaitSeconds` 0: every VM enters with
 *   every path, so the listing is the full one and the final version covers every change made
 *   after the calculation began (nothing falls between a list and a filter). The cursor is
 *   that version, bound to this filter.
 * - `listChanges(cursor)`: one `WaitForUpdatesEx(version)` (more while truncated): `enter` is
 *   judged like a listed VM; `modify` carries only the changed paths, applied to what the
 *   filter told before about managed VMs (name, power and connection state, instance id); a VM
 *   that gains the managed-by attribute in a change that does not carry its name and states is
 *   read with one batched RetrievePropertiesEx; `leave`, a lost managed-by attribute, an
 *   ambiguous instance id and unreadable attributes go to `departed` (the core confirms).
 * - CURSOR_REJECTED for a cursor that is not this filter's (another process, connection or
 *   filter), a session that ended since (the filter died with it: NotAuthenticated, or another
 *   call logged in again), and `InvalidCollectorVersion`.
 */
export function createVimChangeListing(options: VimListingOptions): VimChangeListing {
  const listing: ListingState = { options, current: undefined };
  return {
    listChanges: (cursor, signal) => (cursor === undefined ? fullListing(listing, signal) : incrementalListing(listing, cursor, signal)),
  };
}

/** One change listing's options and the filter its last full listing made (the one a cursor may name). */
interface ListingState {
  readonly options: VimListingOptions;
  current: FilterState | undefined;
}

function cursorRejected(endpoint: string, why: string, cause?: unknown): BridgeError {
  return new BridgeError(ErrorCode.CursorRejected, `vsphere endpoint ${endpoint}: the incremental cursor cannot be used: ${why}; listing in full`, { endpoint, platform: 'vsphere' }, cause === undefined ? undefined : { cause });
}

/** Runs a decoder, turning a payload of the wrong shape into the listing's shape failure for `operation`. */
function decoded<T>(endpoint: string, operation: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw error instanceof VimShapeError ? shapeFailure(endpoint, operation, error) : error;
  }
}

/** One WaitForUpdatesEx in the filter's own session; never logs in again (the filter would not be there). */
async function waitForFilterUpdates(options: VimListingOptions, state: FilterState, version: string, signal: AbortSignal): Promise<UpdateSetPage> {
  const { content } = await options.session.call(
    (scope) => {
      if (scope.generation !== state.generation) throw new FilterGone('the session that made the filter ended');
      return waitForUpdatesEx(scope.refs.propertyCollector, version, options.maxObjects);
    },
    signal,
    { retry: false },
  );
  return decoded(options.endpoint, 'WaitForUpdatesEx', () => decodeUpdateSet(content));
}

/** Drops a filter vCenter would otherwise keep computing for until the session ends; best effort. */
async function destroyFilter(options: VimListingOptions, state: FilterState): Promise<void> {
  const { session, logger } = options;
  if (state.generation !== session.generation()) return;
  try {
    await session.sendIfLoggedIn(() => destroyPropertyFilter(state.filter), new AbortController().signal, destroyTimeoutMs);
  } catch (error) {
    logger.debug({ err: error }, 'could not destroy a property filter; vCenter drops it with the session');
  }
}

function instanceOf(vm: string, facts: ManagedVm): RawInstance {
  const reading = vimStateReading(facts.powerState, facts.connectionState);
  return { platformId: vm, instanceId: facts.instanceId, rawState: reading.rawState, name: facts.name, ...(reading.stateUnavailable !== undefined ? { stateUnavailable: reading.stateUnavailable } : {}) };
}

/** Reads the managed-by and instance-id attributes from a `customValue` value (undefined: none), noticing a key vCenter does not define. */
function selectionOf(options: VimListingOptions, keys: SelectorFields, customValue: unknown, vm: string): VmSelection {
  const selection = selectByFields(decodeCustomValues(customValue, vm), keys, options.selector.managedByValue);
  if (selection.unknownKey) options.fields.noticeUnknownKey();
  return selection;
}

/** A VM whose attributes the account may not read: whether it is DCM's cannot be told, so it is left out, as the full list leaves it out. */
function leaveOutUnreadable(state: FilterState, vm: string, page: PageBuilder): void {
  page.unreadable.push(vm);
  if (state.managed.delete(vm)) page.departed.add(vm);
}

/** Reports a managed VM, unless its instance id is ambiguous (then it departs: not published). */
function reportManaged(vm: string, facts: ManagedVm, page: PageBuilder, yielded: Set<string> | undefined): void {
  if (facts.ambiguous) {
    page.ambiguous.push(vm);
    page.departed.add(vm);
  } else if (!yielded?.has(vm)) {
    yielded?.add(vm);
    page.instances.push(instanceOf(vm, facts));
  }
}

/**
 * Judges a VM from a whole set of its properties (an `enter`, a read): managed → recorded and
 * reported; otherwise forgotten, and departed if the filter had it as managed.
 */
function judgeWhole(options: VimListingOptions, state: FilterState, keys: SelectorFields, object: ObjectContent, page: PageBuilder, yielded: Set<string> | undefined): void {
  const vm = object.obj.value;
  if (object.missing.some((entry) => entry.path === 'customValue')) {
    leaveOutUnreadable(state, vm, page);
    return;
  }
  const selection = selectionOf(options, keys, object.properties.get('customValue'), vm);
  if (!selection.managed) {
    if (state.managed.delete(vm)) page.departed.add(vm);
    return;
  }
  const facts: ManagedVm = {
    name: requiredProperty(object, 'name'),
    powerState: requiredProperty(object, 'runtime.powerState'),
    connectionState: requiredProperty(object, 'runtime.connectionState'),
    instanceId: selection.instanceId,
    ambiguous: selection.ambiguous,
  };
  state.managed.set(vm, facts);
  reportManaged(vm, facts, page, yielded);
}

function assigned(update: ObjectUpdate): ObjectContent {
  return {
    obj: update.obj,
    properties: new Map(update.changes.filter((change) => change.op === 'assign').map((change) => [change.name, change.val])),
    missing: update.missing,
  };
}

/** A `modify`: only the changed paths. */
function judgeChange(options: VimListingOptions, state: FilterState, keys: SelectorFields, update: ObjectUpdate, page: PageBuilder): void {
  const vm = update.obj.value;
  const attributes = update.changes.filter((change) => change.name === 'customValue' || change.name.startsWith('customValue['));
  const denied: MissingProperty | undefined = update.missing.find((entry) => entry.path === 'customValue');
  if (denied) {
    leaveOutUnreadable(state, vm, page);
    return;
  }
  // An element-wise change of the attributes (add/remove of one value) cannot be applied without the whole array: read it.
  if (attributes.some((change) => change.name !== 'customValue' || (change.op !== 'assign' && change.op !== 'remove' && change.op !== 'indirectRemove'))) {
    page.toRead.add(vm);
    return;
  }
  const known = state.managed.get(vm);
  if (known === undefined) judgeChangeOfUnmanaged(options, state, keys, update, attributes[0], page);
  else judgeChangeOfManaged(options, state, keys, update, attributes[0], known, page);
}

/** A `modify` of a VM the filter has not shown as DCM's: it matters only if its attributes now make it so. */
function judgeChangeOfUnmanaged(options: VimListingOptions, state: FilterState, keys: SelectorFields, update: ObjectUpdate, whole: PropertyChange | undefined, page: PageBuilder): void {
  const vm = update.obj.value;
  if (whole === undefined) return; // not DCM's before, and its attributes did not change
  const selection = selectionOf(options, keys, whole.op === 'assign' ? whole.val : undefined, vm);
  if (!selection.managed) {
    // Not DCM's now; it may have been before a change this filter already reported (a retried poll): the core filters.
    page.departed.add(vm);
    return;
  }
  const carried = assigned(update);
  if (['name', 'runtime.powerState', 'runtime.connectionState'].every((path) => carried.properties.has(path))) judgeWhole(options, state, keys, { ...carried, properties: new Map([...carried.properties, ['customValue', whole.val]]) }, page, undefined);
  else page.toRead.add(vm);
}

/** A `modify` of a managed VM: the changed paths applied to what the filter told before. */
function judgeChangeOfManaged(options: VimListingOptions, state: FilterState, keys: SelectorFields, update: ObjectUpdate, whole: PropertyChange | undefined, known: ManagedVm, page: PageBuilder): void {
  const vm = update.obj.value;
  const carried = assigned(update);
  if (carried.properties.has('name')) known.name = requiredProperty(carried, 'name');
  if (carried.properties.has('runtime.powerState')) known.powerState = requiredProperty(carried, 'runtime.powerState');
  if (carried.properties.has('runtime.connectionState')) known.connectionState = requiredProperty(carried, 'runtime.connectionState');
  if (whole !== undefined) {
    const selection = selectionOf(options, keys, whole.op === 'assign' ? whole.val : undefined, vm);
    if (!selection.managed) {
      state.managed.delete(vm);
      page.departed.add(vm);
      return;
    }
    known.instanceId = selection.instanceId;
    known.ambiguous = selection.ambiguous;
  }
  if (known.ambiguous) {
    page.ambiguous.push(vm);
    page.departed.add(vm);
    return;
  }
  page.instances.push(instanceOf(vm, known));
}

/** Reads the VMs a page could not judge from their changes: one RetrievePropertiesEx per `maxObjects`, in the filter's session. */
async function readWhole(options: VimListingOptions, state: FilterState, keys: SelectorFields, page: PageBuilder, signal: AbortSignal): Promise<void> {
  for (const batch of chunks([...page.toRead], options.maxObjects)) {
    const { content } = await options.session.call(
      (scope) => {
        if (scope.generation !== state.generation) throw new FilterGone('the session that made the filter ended');
        return retrievePropertiesEx(scope.refs.propertyCollector, { kind: 'objects', objects: batch.map((id) => ({ type: 'VirtualMachine', value: id })), type: 'VirtualMachine', paths: vmListingPaths, reportMissingObjects: true }, batch.length);
      },
      signal,
      { retry: false },
    );
    const objects = decoded(options.endpoint, 'RetrievePropertiesEx', () => decodeRetrieveResult(content, 'RetrievePropertiesEx').objects);
    const returned = new Set<string>();
    for (const object of objects) {
      if (object.obj.type !== 'VirtualMachine' || !page.toRead.has(object.obj.value)) continue;
      returned.add(object.obj.value);
      decoded(options.endpoint, 'RetrievePropertiesEx', () => judgeWhole(options, state, keys, object, page, undefined));
    }
    // Gone since the change: its `leave` follows; the core confirms it meanwhile.
    for (const vm of batch) if (!returned.has(vm)) page.departed.add(vm);
  }
}

/** Turns one UpdateSet into a page (the filter's updates only; a session's collector may hold other filters). */
async function pageOf(options: VimListingOptions, state: FilterState, keys: SelectorFields, set: UpdateSetPage, full: boolean, yielded: Set<string> | undefined, signal: AbortSignal): Promise<ChangePage> {
  const { endpoint, logger } = options;
  const page: PageBuilder = { instances: [], departed: new Set(), toRead: new Set(), ambiguous: [], unreadable: [] };
  for (const update of set.updates) {
    if (update.filter !== state.filter.value || update.obj.type !== 'VirtualMachine') continue;
    if (update.kind === 'leave') {
      state.managed.delete(update.obj.value);
      page.departed.add(update.obj.value);
    } else if (update.kind === 'enter') {
      decoded(endpoint, 'WaitForUpdatesEx', () => judgeWhole(options, state, keys, assigned(update), page, yielded));
    } else {
      decoded(endpoint, 'WaitForUpdatesEx', () => judgeChange(options, state, keys, update, page));
    }
  }
  if (page.toRead.size > 0) await readWhole(options, state, keys, page, signal);
  if (page.ambiguous.length > 0) logger.warn({ count: page.ambiguous.length, examples: page.ambiguous.slice(0, 5) }, 'VMs with two instance-id attributes of different values are not published');
  if (page.unreadable.length > 0) logger.warn({ count: page.unreadable.length, examples: page.unreadable.slice(0, 5) }, 'VMs whose custom attributes the account may not read are left out');
  // A full listing only reports what is there: absences are the core's to judge.
  return { instances: page.instances, deleted: [], departed: full ? [] : [...page.departed] };
}

/** Creates a property filter over the session's container view of every VM (CreateFilter); the filter belongs to the session that made it. */
async function createFilter(options: VimListingOptions, signal: AbortSignal): Promise<FilterState> {
  const { session, views, endpoint } = options;
  const created = await session.call(async (scope) => createViewFilter(scope.refs.propertyCollector, await views.viewIn(scope, signal), 'VirtualMachine', vmListingPaths), signal);
  const filter = decoded(endpoint, 'CreateFilter', () => decodeManagedObjectReturn(created.content, 'CreateFilterResponse'));
  return { nonce: randomUUID(), generation: created.scope.generation, filter, managed: new Map() };
}

/** The full listing: a new filter's initial update set, read to its last truncated version; the cursor is that version. */
async function* fullListing(listing: ListingState, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd> {
  const { options } = listing;
  const previous = listing.current;
  listing.current = undefined;
  if (previous) await destroyFilter(options, previous);
  const yielded = new Set<string>();
  let restarted = false;
  for (;;) {
    let building: FilterState | undefined;
    try {
      const keys = await options.fields.resolve(signal);
      building = await createFilter(options, signal);
      let version = '';
      let requests = 0;
      for (;;) {
        const set = await waitForFilterUpdates(options, building, version, signal);
        requests += 1;
        yield await pageOf(options, building, keys, set, true, yielded, signal);
        version = set.version ?? version;
        if (!set.truncated) break;
      }
      const made: FilterState = building;
      listing.current = made;
      building = undefined;
      options.logger.debug({ managed: made.managed.size, requests }, 'listed in full through a property filter');
      return { cursor: encodeCursor(made, version) };
    } catch (error) {
      // The filter died with its session while its initial set was read: start over in the new session, once.
      if (restarted || !(isNotAuthenticated(error) || error instanceof FilterGone)) throw error instanceof FilterGone ? new BridgeError(ErrorCode.ListIncomplete, `vsphere endpoint ${options.endpoint}: ${error.message} while listing; nothing is deleted`, { endpoint: options.endpoint, platform: 'vsphere' }) : error;
      restarted = true;
      options.logger.info({ alreadyListed: yielded.size }, 'the vCenter session ended while reading the property filter; listing again with a new filter');
    } finally {
      if (building) await destroyFilter(options, building);
    }
  }
}

/** The listing of changes since `cursor`, a version of the current filter; refused when the cursor or its session is not current. */
async function* incrementalListing(listing: ListingState, cursor: string, signal: AbortSignal): AsyncGenerator<ChangePage, ListingEnd> {
  const { options } = listing;
  const { session, fields, endpoint } = options;
  const parsed = decodeCursor(cursor);
  if (!parsed) throw cursorRejected(endpoint, 'it is not a cursor of the vim25 path');
  const state = listing.current;
  if (!state || state.nonce !== parsed.nonce) throw cursorRejected(endpoint, 'it belongs to another property filter (the bridge restarted, the connection was replaced, or a full listing made a new filter since)');
  const ended = (): BridgeError => {
    if (listing.current === state) listing.current = undefined;
    return cursorRejected(endpoint, 'the vCenter session that owned the property filter ended, and the filter with it');
  };
  if (state.generation !== session.generation()) throw ended();
  let keys = await fields.resolve(signal);
  if (state.generation !== session.generation()) throw ended();
  let version = parsed.version;
  let requests = 0;
  try {
    for (;;) {
      const set = await waitForFilterUpdates(options, state, version, signal);
      requests += 1;
      keys = await fields.resolve(signal);
      yield await pageOf(options, state, keys, set, false, undefined, signal);
      version = set.version ?? version;
      if (!set.truncated) break;
    }
  } catch (error) {
    if (error instanceof FilterGone || isNotAuthenticated(error)) throw ended();
    if (faultTypeOf(error) === 'InvalidCollectorVersion') throw cursorRejected(endpoint, 'vCenter answered InvalidCollectorVersion (the version is out of date or invalid)', error);
    throw error;
  }
  options.logger.debug({ requests, managed: state.managed.size }, 'listed the changes of a property filter');
  return { cursor: encodeCursor(state, version) };
}
