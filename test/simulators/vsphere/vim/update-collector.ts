import type { VmRecord } from '../model.js';
import { VimFault, vimFaults, type MoRef } from './faults.js';
import { collectObjects, vmMissingXml, type CollectorScope, type FilterSpecInput } from './property-collector.js';
import { VM_PROPERTIES, type PropertyScope } from './properties.js';
import { childText, children, type XmlNode } from './request.js';
import { sessionObjectId, type SoapSessionState } from './soap-sessions.js';
import { escapeXml, morefXml } from './xml.js';

/**
 * Change detection of the PropertyCollector (vSphere Web Services API reference:
 * PropertyCollector.CreateFilter, WaitForUpdatesEx, DestroyPropertyFilter; data objects
 * UpdateSet, PropertyFilterUpdate, ObjectUpdate, PropertyChange, WaitOptions; fault
 * InvalidCollectorVersion). Modelled for filters over VMs (a container view's contents or VMs
 * named directly), as the bridge asks:
 *
 * - A filter belongs to the session that created it: "Filters keep per-session state to track
 *   incremental changes … When a session terminates, the associated PropertyCollector filters
 *   are automatically destroyed" (reference, PropertyCollector). Versions belong to the
 *   session's collector too, so a version is only meaningful in the session that got it.
 * - `WaitForUpdatesEx(version)` reports, per filter, what changed since `version`: `enter` with
 *   every asked property (op `assign`) for an object that joined the filter's object set (a
 *   VM created, or visible to the account again), `modify` with only the properties whose
 *   value changed, `leave` for one that left it (deleted, hidden, out of the view).
 *   Version `""` is "the special initial data version": everything enters.
 * - Accepted versions are those the reference lists: `""`; a non-truncated version returned
 *   by this collector ("may be passed … more than once. Re-using a version allows a client to
 *   recover a change sequence after a transient failure on a previous call", UpdateSet): the
 *   simulator keeps the last one it returned and the one the client passed to get it; and the
 *   truncated version of the last call, once ("A truncated data version cannot be used more
 *   than once"). Anything else answers `InvalidCollectorVersion` ("thrown when a collector
 *   version is out of date or invalid").
 * - A calculation whose updates exceed `maxObjectUpdates`, or the collector's own policy
 *   limit ("PropertyCollector policy may still limit the total count to something less than
 *   maxObjectUpdates", WaitOptions), is returned in parts with `truncated` set; the parts are
 *   fixed when the calculation is made. The policy limit defaults to 100, which govmomi's vcsim
 *   documents as real vCenter's (commit 5a501b50, "Default WaitOptions.MaxObjectUpdates default
 *   to 100 as real vCenter does").
 * - `maxWaitSeconds` must be 0 ("do one update calculation and return any results"): the
 *   simulator does not block; no update answers no `returnval` (the method's result is
 *   optional, "null" in the reference).
 */

/** One `PropertyFilter` of a session. */
export interface PropertyFilterRecord {
  readonly reference: MoRef;
  readonly spec: FilterSpecInput;
  readonly partialUpdates: boolean;
}

/** What a filter has reported of one VM: the record it read and whether the account could read it. */
interface Reported {
  readonly record: VmRecord;
  readonly readable: boolean;
}

/** Per filter id, per VM id, what the client was told as of one version. */
type Baseline = ReadonlyMap<string, ReadonlyMap<string, Reported>>;

/** One object update of a calculation, rendered when its part is served. */
interface PendingUpdate {
  readonly filter: string;
  readonly kind: 'enter' | 'modify' | 'leave';
  readonly vmId: string;
  readonly now?: Reported;
  readonly before?: Reported;
}

interface Calculation {
  /** The version the next part is asked with. */
  readonly truncatedVersion: string;
  readonly updates: readonly PendingUpdate[];
  next: number;
  readonly finalVersion: string;
  readonly baseline: Baseline;
  /** The version the client passed to start the calculation (kept acceptable once it completes). */
  readonly from: string;
  readonly pathsByFilter: ReadonlyMap<string, readonly string[]>;
}

/** The change-detection state of one session's PropertyCollector. */
export interface UpdateTracking {
  readonly filters: Map<string, PropertyFilterRecord>;
  /** Non-truncated versions the client may pass, with what it was told at each. */
  readonly versions: Map<string, Baseline>;
  pending: Calculation | undefined;
  serial: number;
}

export function createUpdateTracking(): UpdateTracking {
  return { filters: new Map(), versions: new Map(), pending: undefined, serial: 0 };
}

/** The default policy limit on object updates per WaitForUpdatesEx answer (see the module doc). */
export const DEFAULT_MAX_OBJECT_UPDATES_POLICY = 100;

/** `PropertyCollector.CreateFilter`: checks the spec as RetrievePropertiesEx would (InvalidProperty, InvalidType…), then keeps it in the session. */
export function createFilter(spec: FilterSpecInput, partialUpdates: boolean, scope: CollectorScope): string {
  const { objects } = collectObjects([spec], scope);
  if (objects.some((object) => object.kind !== 'vm')) {
    throw vimFaults.notSupported('property filters over objects other than VMs');
  }
  const reference: MoRef = { type: 'PropertyFilter', value: sessionObjectId(scope.session) };
  scope.session.updates.filters.set(reference.value, { reference, spec, partialUpdates });
  return morefXml('returnval', reference.type, reference.value);
}

/** `PropertyFilter.DestroyPropertyFilter`; an unknown filter (another session's, or destroyed) is `ManagedObjectNotFound`. */
export function destroyPropertyFilter(target: MoRef, session: SoapSessionState): void {
  if (!session.updates.filters.delete(target.value)) {
    throw vimFaults.managedObjectNotFound(target);
  }
}

/** Reads `WaitOptions`; only `maxWaitSeconds` 0 (one calculation, no blocking) is modelled. */
export function parseWaitOptions(argumentsNode: XmlNode): { maxObjectUpdates: number | undefined } {
  const options = children(argumentsNode, 'options')[0];
  const wait = childText(options, 'maxWaitSeconds');
  if (wait === undefined || wait === '') {
    throw vimFaults.notSupported('WaitForUpdatesEx without maxWaitSeconds (waiting for updates); pass maxWaitSeconds 0');
  }
  const seconds = Number(wait);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw vimFaults.invalidArgument('maxWaitSeconds', `A specified parameter was not correct: maxWaitSeconds (${wait})`);
  }
  if (seconds > 0) {
    throw vimFaults.notSupported(`WaitForUpdatesEx with maxWaitSeconds ${seconds} (waiting for updates); pass maxWaitSeconds 0`);
  }
  const max = childText(options, 'maxObjectUpdates');
  if (max === undefined || max === '') {
    return { maxObjectUpdates: undefined };
  }
  const value = Number(max);
  // "A value less than or equal to 0 is illegal" (WaitOptions.maxObjectUpdates).
  if (!Number.isInteger(value) || value <= 0) {
    throw vimFaults.invalidArgument('maxObjectUpdates', `A specified parameter was not correct: maxObjectUpdates (${max} is not a positive integer)`);
  }
  return { maxObjectUpdates: value };
}

function invalidVersion(version: string): VimFault {
  return new VimFault('InvalidCollectorVersion', `The collector version is out of date or invalid: "${version}"`);
}

/** The VMs each filter selects now, by filter id, in inventory order. */
function currentObjects(tracking: UpdateTracking, scope: CollectorScope): { now: Map<string, Map<string, Reported>>; paths: Map<string, readonly string[]> } {
  const now = new Map<string, Map<string, Reported>>();
  const paths = new Map<string, readonly string[]>();
  for (const [id, filter] of tracking.filters) {
    const { objects, vmPaths } = collectObjects([filter.spec], scope);
    const members = new Map<string, Reported>();
    for (const object of objects) {
      if (object.kind === 'vm') {
        members.set(object.record.id, { record: object.record, readable: object.readable });
      }
    }
    now.set(id, members);
    paths.set(id, vmPaths);
  }
  return { now, paths };
}

/** The updates that take a client from `before` to `now`: enter, modify (something asked changed), leave. */
function changesBetween(before: Baseline, now: ReadonlyMap<string, ReadonlyMap<string, Reported>>, paths: ReadonlyMap<string, readonly string[]>, fields: PropertyScope): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  for (const [filter, members] of now) {
    const told = before.get(filter) ?? new Map<string, Reported>();
    const asked = paths.get(filter) ?? [];
    for (const [vmId, current] of members) {
      const previous = told.get(vmId);
      if (previous === undefined) {
        updates.push({ filter, kind: 'enter', vmId, now: current });
      } else if ((previous.record !== current.record || previous.readable !== current.readable) && changedPaths(previous, current, asked, fields).length > 0) {
        updates.push({ filter, kind: 'modify', vmId, now: current, before: previous });
      }
    }
    for (const [vmId, previous] of told) {
      if (!members.has(vmId)) {
        updates.push({ filter, kind: 'leave', vmId, before: previous });
      }
    }
  }
  return updates;
}

/** The asked paths whose rendered value differs (records are immutable: a changed VM is a new record). */
function changedPaths(before: Reported, now: Reported, paths: readonly string[], fields: PropertyScope): string[] {
  if (before.readable !== now.readable) {
    return [...paths];
  }
  if (!now.readable) {
    return [];
  }
  return paths.filter((path) => {
    const render = VM_PROPERTIES[path]!.render;
    return render(before.record, fields) !== render(now.record, fields);
  });
}

function objectUpdateXml(update: PendingUpdate, paths: readonly string[], fields: PropertyScope): string {
  const obj = morefXml('obj', 'VirtualMachine', update.vmId);
  if (update.kind === 'leave') {
    return `<objectSet><kind>leave</kind>${obj}</objectSet>`;
  }
  const now = update.now!;
  const shown = update.kind === 'enter' ? [...paths] : changedPaths(update.before!, now, paths, fields);
  if (!now.readable) {
    return `<objectSet><kind>${update.kind}</kind>${obj}${vmMissingXml(now.record, shown)}</objectSet>`;
  }
  const changes = shown.map((path) => `<changeSet><name>${escapeXml(path)}</name><op>assign</op>${VM_PROPERTIES[path]!.render(now.record, fields)}</changeSet>`).join('');
  return `<objectSet><kind>${update.kind}</kind>${obj}${changes}</objectSet>`;
}

/** Renders one part of a calculation as the inside of an `UpdateSet`, grouped by filter in order. */
function partXml(calculation: Calculation, limit: number, fields: PropertyScope): { filterSets: string; done: boolean } {
  const part = calculation.updates.slice(calculation.next, calculation.next + limit);
  calculation.next += part.length;
  const groups: { filter: string; xml: string[] }[] = [];
  for (const update of part) {
    let group = groups.at(-1);
    if (group?.filter !== update.filter) {
      group = { filter: update.filter, xml: [] };
      groups.push(group);
    }
    group.xml.push(objectUpdateXml(update, calculation.pathsByFilter.get(update.filter) ?? [], fields));
  }
  const filterSets = groups.map((group) => `<filterSet>${morefXml('filter', 'PropertyFilter', group.filter)}${group.xml.join('')}</filterSet>`).join('');
  return { filterSets, done: calculation.next >= calculation.updates.length };
}

/**
 * `PropertyCollector.WaitForUpdatesEx` with `maxWaitSeconds` 0: the inside of the response
 * (`<returnval>` UpdateSet, or nothing when there is no update).
 */
export function waitForUpdatesEx(version: string, maxObjectUpdates: number | undefined, policyLimit: number, scope: CollectorScope): string {
  const tracking = scope.session.updates;
  const fields: PropertyScope = { fields: scope.inventory.customFields() };
  const limit = Math.max(1, Math.min(maxObjectUpdates ?? Number.MAX_SAFE_INTEGER, policyLimit));
  let calculation: Calculation;
  const pending = tracking.pending;
  if (pending !== undefined && version === pending.truncatedVersion) {
    calculation = pending;
  } else {
    const before = version === '' ? new Map() : tracking.versions.get(version);
    if (before === undefined) {
      throw invalidVersion(version);
    }
    const { now, paths } = currentObjects(tracking, scope);
    const updates = changesBetween(before, now, paths, fields);
    if (updates.length === 0) {
      // No update: the client keeps its version (and may pass it again).
      tracking.pending = undefined;
      return '';
    }
    tracking.serial += 1;
    calculation = { truncatedVersion: '', updates, next: 0, finalVersion: String(tracking.serial), baseline: now, from: version, pathsByFilter: paths };
  }
  // Any call ends the previous truncated series: its version is good once, and only next.
  tracking.pending = undefined;
  const { filterSets, done } = partXml(calculation, limit, fields);
  if (done) {
    // The version the client passed stays good beside the new one, to recover a lost answer; older ones are forgotten.
    const from = calculation.from === '' ? undefined : tracking.versions.get(calculation.from);
    tracking.versions.clear();
    if (from !== undefined) {
      tracking.versions.set(calculation.from, from);
    }
    tracking.versions.set(calculation.finalVersion, calculation.baseline);
    return `<returnval><version>${calculation.finalVersion}</version>${filterSets}</returnval>`;
  }
  tracking.serial += 1;
  tracking.pending = { ...calculation, truncatedVersion: `${calculation.finalVersion}.${tracking.serial}` };
  return `<returnval><version>${escapeXml(tracking.pending.truncatedVersion)}</version>${filterSets}<truncated>true</truncated></returnval>`;
}
