import { randomUUID } from 'node:crypto';
import type { AccountView } from '../account-view.js';
import type { VsphereInventory } from '../inventory.js';
import type { VmRecord } from '../model.js';
import { VimFault, vimFaults, type MoRef } from './faults.js';
import { VM_ALL_PROPERTIES, VM_PROPERTIES, VM_TYPE_CHAIN, visibleThrough, type PropertyScope } from './properties.js';
import { attributeOf, booleanOf, children, childText, morefOf, textOf, type XmlNode } from './request.js';
import type { SoapSessionState } from './soap-sessions.js';
import { vmsInView } from './views.js';
import { escapeXml, morefXml } from './xml.js';

/**
 * How a paged retrieval reads the pages after the first, when the inventory changed between
 * them. The reference says nothing about it (RetrieveResult.token only says how a token may be
 * used); both are models of what a client must survive:
 * - `snapshot` (default): the objects and their values are fixed when RetrievePropertiesEx
 *   answers, as govmomi's vcsim does (simulator/property_collector.go stores the remaining
 *   ObjectContents under the token): a VM deleted after the first page still shows, with the
 *   values it had;
 * - `live`: each page reads the inventory when it is asked for: a VM deleted (or hidden from
 *   the account) since the first call is left out, so a page may hold fewer objects than asked,
 *   and values are current.
 */
export type PagingConsistency = 'snapshot' | 'live';

/** What the property collector reads. */
export interface CollectorScope {
  readonly inventory: VsphereInventory;
  readonly account: AccountView;
  readonly session: SoapSessionState;
  readonly pagingConsistency: PagingConsistency;
  /** Renders the properties of the singleton objects (custom fields manager, session manager, root folder). */
  readonly staticObjects: ReadonlyMap<string, StaticObject>;
}

/** A non-VM object the collector can read: its reference and its properties. */
export interface StaticObject {
  readonly reference: MoRef;
  /** Property path → `<val …>` element. */
  readonly properties: Readonly<Record<string, (session: SoapSessionState) => string>>;
}

interface PropertySpecInput {
  readonly type: string;
  readonly all: boolean;
  readonly pathSet: readonly string[];
}

interface TraversalSpecInput {
  readonly kind: 'traversal';
  readonly name?: string;
  readonly type: string;
  readonly path: string;
  readonly skip: boolean;
  readonly selectSet: readonly SelectionInput[];
}

type SelectionInput = TraversalSpecInput | { readonly kind: 'byName'; readonly name: string };

interface ObjectSpecInput {
  readonly obj: MoRef;
  readonly skip: boolean;
  readonly selectSet: readonly SelectionInput[];
}

/** A parsed `PropertyFilterSpec`. */
export interface FilterSpecInput {
  readonly propSet: readonly PropertySpecInput[];
  readonly objectSet: readonly ObjectSpecInput[];
  readonly reportMissingObjectsInResults: boolean;
}

/** One object of a result, rendered when its page is served. */
export type CollectedObject =
  | { readonly kind: 'vm'; readonly record: VmRecord; readonly readable: boolean }
  | { readonly kind: 'static'; readonly reference: MoRef; readonly xml: string };

/** The rest of a paged retrieval, kept under its token in the session that started it. */
export interface PendingRetrieval {
  readonly objects: readonly CollectedObject[];
  next: number;
  readonly maxObjects: number | undefined;
  readonly vmPaths: readonly string[];
}

function parseSelection(node: XmlNode): SelectionInput {
  const name = childText(node, 'name');
  const type = childText(node, 'type');
  const path = childText(node, 'path');
  const xsiType = attributeOf(node, 'type');
  if (xsiType === 'TraversalSpec' || (type !== undefined && path !== undefined)) {
    if (type === undefined || path === undefined) {
      throw vimFaults.invalidArgument('selectSet', 'A specified parameter was not correct: a TraversalSpec needs type and path');
    }
    return {
      kind: 'traversal',
      ...(name === undefined || name === '' ? {} : { name }),
      type,
      path,
      skip: booleanOf(childText(node, 'skip')) ?? false,
      selectSet: children(node, 'selectSet').map(parseSelection),
    };
  }
  if (name === undefined || name === '') {
    throw vimFaults.invalidArgument('selectSet', 'A specified parameter was not correct: a SelectionSpec needs a name');
  }
  return { kind: 'byName', name };
}

/** Reads the `specSet` arguments (PropertyFilterSpec[]). */
export function parseSpecSet(argumentsNode: XmlNode): FilterSpecInput[] {
  const specs = children(argumentsNode, 'specSet');
  if (specs.length === 0) {
    throw vimFaults.invalidArgument('specSet');
  }
  return specs.map(parseFilterSpec);
}

/** Reads the `spec` argument of `CreateFilter` (one PropertyFilterSpec). */
export function parseSpec(argumentsNode: XmlNode): FilterSpecInput {
  const [spec] = children(argumentsNode, 'spec');
  if (spec === undefined) {
    throw vimFaults.invalidArgument('spec');
  }
  return parseFilterSpec(spec);
}

function parseFilterSpec(spec: XmlNode): FilterSpecInput {
  return {
    propSet: children(spec, 'propSet').map((propertySpec) => {
      const type = childText(propertySpec, 'type');
      if (type === undefined || type === '') {
        throw vimFaults.invalidArgument('propSet.type');
      }
      return { type, all: booleanOf(childText(propertySpec, 'all')) ?? false, pathSet: children(propertySpec, 'pathSet').map(textOf) };
    }),
    objectSet: children(spec, 'objectSet').map((objectSpec) => {
      const obj = morefOf(children(objectSpec, 'obj')[0]);
      if (obj === undefined) {
        throw vimFaults.invalidArgument('objectSet.obj');
      }
      return { obj, skip: booleanOf(childText(objectSpec, 'skip')) ?? false, selectSet: children(objectSpec, 'selectSet').map(parseSelection) };
    }),
    reportMissingObjectsInResults: booleanOf(childText(spec, 'reportMissingObjectsInResults')) ?? false,
  };
}

/** Reads `options.maxObjects`; unset means no maximum (reference, RetrieveOptions.maxObjects). */
export function parseMaxObjects(argumentsNode: XmlNode): number | undefined {
  const text = childText(children(argumentsNode, 'options')[0], 'maxObjects');
  if (text === undefined || text === '') {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw vimFaults.invalidArgument('maxObjects', `A specified parameter was not correct: maxObjects (${text} is not a positive integer)`);
  }
  return value;
}

const keyOf = (reference: MoRef): string => `${reference.type}:${reference.value}`;

/**
 * The property paths asked of VMs (the union over every PropertySpec whose type a VM is), and
 * a check of every PropertySpec: an unknown type answers `InvalidType`, a path the type does not
 * have `InvalidProperty` (thrown by vCenter for the whole call, before any object is read).
 */
function planProperties(specs: readonly FilterSpecInput[], staticObjects: ReadonlyMap<string, StaticObject>): { vmPaths: string[]; staticPaths: Map<string, string[]>; vmAsked: boolean } {
  const vmPaths = new Set<string>();
  const staticPaths = new Map<string, string[]>();
  let vmAsked = false;
  const staticTypes = new Map<string, StaticObject>([...staticObjects.values()].map((object) => [object.reference.type, object]));
  for (const spec of specs) {
    for (const propertySpec of spec.propSet) {
      if (VM_TYPE_CHAIN.includes(propertySpec.type)) {
        vmAsked = true;
        const paths = propertySpec.all ? VM_ALL_PROPERTIES.filter((path) => visibleThrough(VM_PROPERTIES[path]!, propertySpec.type)) : propertySpec.pathSet;
        for (const path of paths) {
          const definition = VM_PROPERTIES[path];
          if (definition === undefined || !visibleThrough(definition, propertySpec.type)) {
            throw vimFaults.invalidProperty(path);
          }
          vmPaths.add(path);
        }
        continue;
      }
      const object = staticTypes.get(propertySpec.type);
      if (object === undefined) {
        throw new VimFault('InvalidType', `Invalid type: ${propertySpec.type}`, `<argument>type</argument>`);
      }
      const paths = propertySpec.all ? Object.keys(object.properties) : propertySpec.pathSet;
      for (const path of paths) {
        if (object.properties[path] === undefined) {
          throw vimFaults.invalidProperty(path);
        }
      }
      staticPaths.set(propertySpec.type, [...new Set([...(staticPaths.get(propertySpec.type) ?? []), ...paths])]);
    }
  }
  return { vmPaths: [...vmPaths], staticPaths, vmAsked };
}

/** Runs the object selection of every filter spec: the objects to report, in order, once each. */
export function collectObjects(specs: readonly FilterSpecInput[], scope: CollectorScope): { objects: CollectedObject[]; vmPaths: string[] } {
  const plan = planProperties(specs, scope.staticObjects);
  const objects: CollectedObject[] = [];
  const seen = new Set<string>();

  const report = (reference: MoRef, vm?: VmRecord): void => {
    const key = keyOf(reference);
    if (seen.has(key)) {
      return;
    }
    seen.add(key);
    if (reference.type === 'VirtualMachine') {
      // A visited object with no PropertySpec of its type is not reported (reference, PropertySpec).
      if (plan.vmAsked && vm !== undefined) {
        objects.push({ kind: 'vm', record: vm, readable: scope.account.canRead(vm.id) });
      }
      return;
    }
    const paths = plan.staticPaths.get(reference.type);
    const object = scope.staticObjects.get(key);
    if (paths !== undefined && object !== undefined) {
      const propSet = paths.map((path) => `<propSet><name>${escapeXml(path)}</name>${object.properties[path]!(scope.session)}</propSet>`).join('');
      objects.push({ kind: 'static', reference, xml: `${morefXml('obj', reference.type, reference.value)}${propSet}` });
    }
  };

  for (const spec of specs) {
    for (const objectSpec of spec.objectSet) {
      const { obj } = objectSpec;
      const vm = obj.type === 'VirtualMachine' ? scope.inventory.getVm(obj.value) : undefined;
      const view = obj.type === 'ContainerView' ? scope.session.views.get(obj.value) : undefined;
      const exists = vm !== undefined || view !== undefined || scope.staticObjects.has(keyOf(obj));
      if (!exists) {
        // PropertyFilterSpec.reportMissingObjectsInResults (reference): unset or false → the call
        // fails with ManagedObjectNotFound; true → "in a RetrieveResult missing objects will
        // simply be omitted from the objects field".
        if (!spec.reportMissingObjectsInResults) {
          throw vimFaults.managedObjectNotFound(obj);
        }
        continue;
      }
      if (objectSpec.selectSet.length === 0 || !objectSpec.skip) {
        report(obj, vm);
      }
      const named = new Map<string, TraversalSpecInput>();
      const remember = (selections: readonly SelectionInput[]): void => {
        for (const selection of selections) {
          if (selection.kind === 'traversal') {
            if (selection.name !== undefined) {
              named.set(selection.name, selection);
            }
            remember(selection.selectSet);
          }
        }
      };
      remember(objectSpec.selectSet);
      const traversals = objectSpec.selectSet.map((selection) => {
        const traversal = selection.kind === 'traversal' ? selection : named.get(selection.name);
        if (traversal === undefined) {
          // vcsim answers the same for a SelectionSpec naming no TraversalSpec (simulator/property_collector.go).
          throw vimFaults.invalidArgument('selectSet', 'A specified parameter was not correct: undefined TraversalSpec name');
        }
        return traversal;
      });
      for (const traversal of traversals) {
        if (traversal.type !== obj.type) {
          continue; // A TraversalSpec applies only to objects of its type (reference, TraversalSpec).
        }
        if (view === undefined || traversal.path !== 'view') {
          throw vimFaults.notSupported(`traversal of ${traversal.type}.${traversal.path} (only ContainerView.view is modelled)`);
        }
        const members = vmsInView(view, scope.inventory, scope.account);
        if (!traversal.skip) {
          for (const member of members) {
            report({ type: 'VirtualMachine', value: member.id }, member);
          }
        }
        if (traversal.selectSet.some((selection) => selection.kind === 'traversal' && selection.type === 'VirtualMachine')) {
          throw vimFaults.notSupported('traversal from VirtualMachine objects');
        }
      }
    }
  }
  return { objects, vmPaths: plan.vmPaths };
}

/**
 * A VM's `ObjectContent`. A VM the account may not read is still reported when named directly
 * (it exists), each property in `missingSet` with a `NoPermission` fault on System.Read: the
 * reference's MissingProperty.fault lists "SecurityError if the logged in session did not have
 * permission to read the value" (NoPermission is a SecurityError).
 */
function vmContentXml(vm: VmRecord, readable: boolean, paths: readonly string[], scope: PropertyScope): string {
  const obj = morefXml('obj', 'VirtualMachine', vm.id);
  if (!readable) {
    return obj + vmMissingXml(vm, paths);
  }
  return obj + paths.map((path) => `<propSet><name>${escapeXml(path)}</name>${VM_PROPERTIES[path]!.render(vm, scope)}</propSet>`).join('');
}

/** The `missingSet` of a VM the account may not read: every asked path, `NoPermission` on System.Read. */
export function vmMissingXml(vm: VmRecord, paths: readonly string[]): string {
  const denied = vimFaults.noPermission({ type: 'VirtualMachine', value: vm.id }, 'System.Read');
  return paths
    .map((path) => `<missingSet><path>${escapeXml(path)}</path><fault><fault xsi:type="NoPermission">${denied.detailXml}</fault><localizedMessage>${escapeXml(denied.faultString)}</localizedMessage></fault></missingSet>`)
    .join('');
}

/** Renders objects as `<element>` ObjectContents, reading VMs again in `live` mode. */
function renderObjects(objects: readonly CollectedObject[], vmPaths: readonly string[], element: string, collector: CollectorScope, live: boolean): string[] {
  const scope: PropertyScope = { fields: collector.inventory.customFields() };
  const rendered: string[] = [];
  for (const object of objects) {
    if (object.kind === 'static') {
      rendered.push(`<${element}>${object.xml}</${element}>`);
      continue;
    }
    const record = live ? collector.inventory.getVm(object.record.id) : object.record;
    const readable = live ? record !== undefined && collector.account.canRead(record.id) : object.readable;
    if (record === undefined || (live && !readable && object.readable)) {
      continue;
    }
    rendered.push(`<${element}>${vmContentXml(record, readable, vmPaths, scope)}</${element}>`);
  }
  return rendered;
}

/** `RetrieveProperties` (the pre-4.1 call): every object at once, one `returnval` each. */
export function retrieveProperties(specs: readonly FilterSpecInput[], scope: CollectorScope): string {
  const { objects, vmPaths } = collectObjects(specs, scope);
  return renderObjects(objects, vmPaths, 'returnval', scope, false).join('');
}

function pageXml(pending: PendingRetrieval, scope: CollectorScope, live: boolean): { objectsXml: string; done: boolean } {
  const limit = pending.maxObjects ?? Number.MAX_SAFE_INTEGER;
  const parts: string[] = [];
  while (parts.length < limit && pending.next < pending.objects.length) {
    const batch = pending.objects.slice(pending.next, pending.next + (limit - parts.length));
    pending.next += batch.length;
    parts.push(...renderObjects(batch, pending.vmPaths, 'objects', scope, live));
    if (!live) {
      break;
    }
  }
  return { objectsXml: parts.join(''), done: pending.next >= pending.objects.length };
}

function newToken(): string {
  return randomUUID();
}

/**
 * `RetrievePropertiesEx`: the first page of at most `maxObjects` objects and, when more remain,
 * a token for `ContinueRetrievePropertiesEx`. An empty result has no `returnval` at all (the
 * WSDL's `returnval` is optional; govmomi types it `*RetrieveResult`).
 */
export function retrievePropertiesEx(specs: readonly FilterSpecInput[], maxObjects: number | undefined, scope: CollectorScope): string {
  const { objects, vmPaths } = collectObjects(specs, scope);
  if (objects.length === 0) {
    return '';
  }
  // The first page renders what was just collected: live and snapshot agree on it.
  return pageAnswer({ objects, next: 0, maxObjects, vmPaths }, scope, false);
}

/**
 * `ContinueRetrievePropertiesEx`: the next page. A token is good once, in the session that got
 * it (reference, RetrieveResult.token); any other answers `InvalidProperty` on `token`, as
 * vcsim does (the reference lists InvalidProperty among the method's faults).
 */
export function continueRetrievePropertiesEx(token: string, scope: CollectorScope): string {
  const pending = scope.session.retrievals.get(token);
  if (pending === undefined) {
    throw vimFaults.invalidProperty('token');
  }
  scope.session.retrievals.delete(token);
  return pageAnswer(pending, scope, scope.pagingConsistency === 'live');
}

/** The next page of `pending` as a RetrieveResult; while pages remain, with a new token kept in the session for the rest. */
function pageAnswer(pending: PendingRetrieval, scope: CollectorScope, live: boolean): string {
  const { objectsXml, done } = pageXml(pending, scope, live);
  if (done) {
    return `<returnval>${objectsXml}</returnval>`;
  }
  const token = newToken();
  scope.session.retrievals.set(token, pending);
  return `<returnval><token>${token}</token>${objectsXml}</returnval>`;
}

/** `CancelRetrievePropertiesEx`: discards the rest of a retrieval; an unknown token answers `InvalidProperty`. */
export function cancelRetrievePropertiesEx(token: string, session: SoapSessionState): void {
  if (!session.retrievals.delete(token)) {
    throw vimFaults.invalidProperty('token');
  }
}
